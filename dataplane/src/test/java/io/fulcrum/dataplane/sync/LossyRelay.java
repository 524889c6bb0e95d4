package io.fulcrum.dataplane.sync;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A UDP forwarder on loopback between the master's and the standby's sync sockets that loses and reorders
 * datagrams (seeded, so a failure can be replayed), can cut the master-to-standby direction, keeps a copy of what
 * the master sent, and can inject datagrams towards the standby as if the master had sent them.
 */
final class LossyRelay implements AutoCloseable
{
    private final DatagramChannel masterSide;
    private final DatagramChannel standbySide;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
    private final Random random;
    private final double loss;
    private final double reorder;
    private final List<byte[]> captured = new ArrayList<>();
    private InetSocketAddress master;
    private InetSocketAddress standby;
    private byte[] heldForStandby;
    private byte[] heldForMaster;
    private boolean cut;
    private long dropped;
    private long forwarded;

    LossyRelay(final long seed, final double loss, final double reorder) throws IOException
    {
        this.random = new Random(seed);
        this.loss = loss;
        this.reorder = reorder;
        masterSide = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        standbySide = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        masterSide.configureBlocking(false);
        standbySide.configureBlocking(false);
    }

    /** The address the master's sync socket talks to. */
    InetSocketAddress forMaster() throws IOException
    {
        return (InetSocketAddress)masterSide.getLocalAddress();
    }

    /** The address the standby's sync socket talks to. */
    InetSocketAddress forStandby() throws IOException
    {
        return (InetSocketAddress)standbySide.getLocalAddress();
    }

    void connect(final InetSocketAddress masterAddress, final InetSocketAddress standbyAddress)
    {
        this.master = masterAddress;
        this.standby = standbyAddress;
    }

    void cut(final boolean on)
    {
        cut = on;
    }

    /** Forwards what is waiting in both directions, losing and reordering some; returns datagrams handled. */
    int pump() throws IOException
    {
        int handled = 0;
        for (byte[] datagram = read(masterSide); datagram != null; datagram = read(masterSide))
        {
            handled++;
            captured.add(datagram);
            if (cut)
            {
                dropped++;
                continue;
            }
            heldForStandby = pass(datagram, heldForStandby, standbySide, standby);
        }
        for (byte[] datagram = read(standbySide); datagram != null; datagram = read(standbySide))
        {
            handled++;
            heldForMaster = pass(datagram, heldForMaster, masterSide, master);
        }
        return handled;
    }

    private byte[] pass(final byte[] datagram, final byte[] held, final DatagramChannel out,
        final InetSocketAddress to) throws IOException
    {
        if (random.nextDouble() < loss)
        {
            dropped++;
            return held;
        }
        if (held == null && random.nextDouble() < reorder)
        {
            return datagram; // held back: goes out after the next one
        }
        send(out, to, datagram);
        if (held != null)
        {
            send(out, to, held);
        }
        return null;
    }

    /** Sends {@code datagram} to the standby from the address the master's datagrams come from. */
    void injectToStandby(final byte[] datagram) throws IOException
    {
        send(standbySide, standby, datagram);
    }

    private void send(final DatagramChannel out, final InetSocketAddress to, final byte[] datagram)
        throws IOException
    {
        out.send(ByteBuffer.wrap(datagram), to);
        forwarded++;
    }

    private byte[] read(final DatagramChannel channel) throws IOException
    {
        buffer.clear();
        if (channel.receive(buffer) == null)
        {
            return null;
        }
        buffer.flip();
        final byte[] datagram = new byte[buffer.remaining()];
        buffer.get(datagram);
        return datagram;
    }

    List<byte[]> captured()
    {
        return captured;
    }

    long dropped()
    {
        return dropped;
    }

    long forwarded()
    {
        return forwarded;
    }

    @Override
    public void close() throws IOException
    {
        masterSide.close();
        standbySide.close();
    }
}
