package io.fulcrum.dataplane.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The sync link's UDP socket: non-blocking, bound to the local sync address and connected to the peer's, so that
 * the kernel delivers only the peer's datagrams and neither send nor receive creates an address object. Every
 * datagram is signed on the way out and verified on the way in ({@link MessageAuthenticator}).
 */
final class SyncTransport implements AutoCloseable
{
    private final DatagramChannel channel;
    private final MessageAuthenticator authenticator;
    private final ByteBuffer receiveMemory;
    private final UnsafeBuffer receiveBuffer;
    private final SyncCounters counters;

    SyncTransport(final SyncSettings settings, final SyncCounters counters)
    {
        this.counters = counters;
        this.authenticator = new MessageAuthenticator(settings.key(), settings.datagramBytes());
        this.receiveMemory = ByteBuffer.allocateDirect(settings.datagramBytes() + 64);
        this.receiveBuffer = new UnsafeBuffer(receiveMemory);
        DatagramChannel opened = null;
        try
        {
            opened = DatagramChannel.open(settings.local().getAddress() instanceof java.net.Inet6Address ?
                java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
            opened.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            opened.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            opened.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            opened.bind(settings.local());
            opened.connect(settings.peer());
            opened.configureBlocking(false);
        }
        catch (final IOException e)
        {
            CloseHelper.quietClose(opened);
            throw new UncheckedIOException("sync: cannot open UDP " + settings.local() + " -> " + settings.peer()
                + ": " + e.getMessage(), e);
        }
        this.channel = opened;
    }

    /** Signs the {@code length} bytes at {@code offset} of {@code memory} (direct) and sends them; false on error. */
    boolean send(final UnsafeBuffer buffer, final ByteBuffer memory, final int offset, final int length)
    {
        final int total = authenticator.sign(buffer, offset, length);
        memory.limit(offset + total).position(offset);
        try
        {
            channel.write(memory);
            return true;
        }
        catch (final IOException e)
        {
            // ICMP port unreachable while the peer is down, and the like: the datagram counts as lost.
            counters.increment(SyncCounters.SEND_ERRORS);
            return false;
        }
        finally
        {
            memory.clear();
        }
    }

    /**
     * Receives one datagram into {@link #receiveBuffer()}: its length when it is well formed and authentic, 0 when
     * there was none, -1 when one was refused (and counted).
     */
    int receive()
    {
        receiveMemory.clear();
        final int length;
        try
        {
            length = channel.read(receiveMemory);
        }
        catch (final IOException e)
        {
            return 0; // an ICMP error for an earlier send; nothing to read
        }
        if (length <= 0)
        {
            return 0;
        }
        counters.increment(SyncCounters.DATAGRAMS_RECEIVED);
        if (!SyncMessage.wellFormed(receiveBuffer, length))
        {
            counters.increment(SyncCounters.MALFORMED);
            return -1;
        }
        if (!authenticator.verify(receiveBuffer, 0, length))
        {
            counters.increment(SyncCounters.REFUSED_AUTHENTICATION);
            return -1;
        }
        return length;
    }

    java.net.InetSocketAddress localAddress()
    {
        try
        {
            return (java.net.InetSocketAddress)channel.getLocalAddress();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    UnsafeBuffer receiveBuffer()
    {
        return receiveBuffer;
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(channel);
    }
}
