package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.sys.EventFds;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.PacketSockets;
import io.fulcrum.dataplane.sys.RawSockets;
import io.netty.channel.EventLoop;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Checks through the tunnel, without a TCP stack of our own: the probe is built in user space
 * ({@link TunnelPackets}), sent encapsulated to the backend through a raw socket (IPPROTO_RAW: the kernel routes the
 * outer packet as any other and adds nothing), and the backend's reply, which comes back un-encapsulated from the VIP
 * as replies to clients do, is read from a packet socket (AF_PACKET, SOCK_DGRAM, every interface, outgoing packets
 * ignored) filtered in the kernel to packets from the checked VIPs ({@link ReplyFilter}).
 *
 * <p>A packet socket because the kernel's own stack may not deliver the reply: on the VRRP master the VIP is one of
 * this box's addresses, and an IPv4 packet arriving from one of its own addresses is a martian that the kernel drops
 * before any socket sees it (the AF_PACKET tap runs before). Nothing is added to the kernel's routes, rules or
 * firewall. The appliance's source port is reserved with a bound (never connected) socket of the same protocol while
 * the probe runs, so no connection of the box's own uses it; where the kernel does see the reply (on the backup) it
 * answers a SYN-ACK with a reset, as it answers any segment for no connection, which only ends a half-open
 * connection that this check resets anyway.
 *
 * <p>A tcp probe is a SYN; a SYN-ACK acknowledging it passes and is answered with a RST through the tunnel (a SYN
 * scan, as Katran's and IPVS's checkers of a port do), a RST fails ("connection refused"). A udp probe sends the
 * check's request and judges the first reply as a direct check does. Event loop only, but for the reader thread,
 * which hands each reply to the loop.
 */
final class TunnelProbes
{
    private static final System.Logger LOG = System.getLogger(TunnelProbes.class.getName());

    // bits/socket_type.h, linux/in.h, asm-generic/errno-base.h, poll.h
    private static final int SOCK_DGRAM = 2;
    private static final int IPPROTO_RAW = 255;
    private static final int EINTR = 4;
    private static final short POLLIN = 1;
    private static final int MAX_PACKET = 65536;

    private final EventLoop loop;
    private final ThreadFactory threads;
    private final Map<Key, Handshake> pending = new HashMap<>();
    private Set<InetAddress> vips = Set.of();
    private int send4 = -1;
    private int send6 = -1;
    private int capture = -1;
    private int wake = -1;
    private Thread reader;

    /** @param threads makes the reader thread */
    TunnelProbes(final EventLoop loop, final ThreadFactory threads)
    {
        this.loop = loop;
        this.threads = threads;
    }

    /**
     * Lets replies from these VIPs through the capture's filter: opens the capture for the first VIP, closes it and
     * the reader after the last.
     */
    void follow(final Set<InetAddress> wanted)
    {
        if (wanted.equals(vips))
        {
            return;
        }
        vips = Set.copyOf(wanted);
        if (vips.isEmpty())
        {
            close();
            return;
        }
        try
        {
            if (capture >= 0)
            {
                RawSockets.attachFilter(capture, ReplyFilter.fromSources(vips));
            }
            else
            {
                openCapture(); // now rather than in the first check, which would wait for it
            }
        }
        catch (final RuntimeException e)
        {
            // Each encapsulated check tries again and fails with this in its history, for the operator.
            LOG.log(System.Logger.Level.ERROR, "cannot capture the replies of encapsulated health checks", e);
        }
    }

    /**
     * Sends a SYN to the VIP at {@code port} through the tunnel; calls {@code answered} with a description once the
     * SYN-ACK came back, fails {@code run} on a reset or a local error, leaves the timeout to the run.
     */
    void handshake(final InetAddress backend, final Tunnel tunnel, final int port, final CheckRun run,
        final Consumer<String> answered)
    {
        final int isn = ThreadLocalRandom.current().nextInt();
        final Handshake probe = start(Ipv4.PROTOCOL_TCP, backend, tunnel, port, run);
        if (probe == null)
        {
            return;
        }
        final String where = tunnel.describe(port);
        probe.onReply = reply ->
        {
            if ((reply.flags() & Tcp.RST) != 0)
            {
                probe.end();
                run.fail("connection refused: RST from " + where);
            }
            else if ((reply.flags() & (Tcp.SYN | Tcp.ACK)) == (Tcp.SYN | Tcp.ACK) && reply.acknowledgement() == isn + 1)
            {
                // Reset the half-open connection the way the SYN went, so the backend does not resend its SYN-ACK.
                send(probe, TunnelPackets.tcp(tunnel, backend, probe.source, probe.sourcePort, port, isn + 1, 0,
                    Tcp.RST), null);
                probe.end();
                answered.accept("SYN-ACK from " + where);
            }
        };
        run.stage("waiting for the SYN-ACK from " + where);
        send(probe, TunnelPackets.tcp(tunnel, backend, probe.source, probe.sourcePort, port, isn, 0, Tcp.SYN), run);
    }

    /** Sends the udp check's request to the VIP through the tunnel and judges the first reply from it. */
    void exchange(final InetAddress backend, final Tunnel tunnel, final HealthCheckConfig check, final CheckRun run)
    {
        final Handshake probe = start(Ipv4.PROTOCOL_UDP, backend, tunnel, check.port(), run);
        if (probe == null)
        {
            return;
        }
        final String where = tunnel.describe(check.port());
        probe.onReply = reply ->
        {
            probe.end();
            Probes.judgeReply(check, reply.payload(), run, " from " + where);
        };
        run.stage("waiting for a reply from " + where);
        send(probe, TunnelPackets.udp(tunnel, backend, probe.source, probe.sourcePort, check.port(), check.sendBytes()),
            run);
    }

    /** Closes the sockets and stops the reader; a later probe opens them again. */
    void close()
    {
        if (reader != null)
        {
            EventFds.signal(wake);
            try
            {
                reader.join();
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            reader = null;
        }
        for (final int fd : new int[] {capture, wake, send4, send6})
        {
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }
        capture = wake = send4 = send6 = -1;
        for (final Handshake probe : pending.values().toArray(new Handshake[0]))
        {
            probe.end();
            probe.run.fail("stopped");
        }
    }

    /** Opens what the probe needs and reserves its source port; null, with the run failed, when that fails. */
    private Handshake start(final int protocol, final InetAddress backend, final Tunnel tunnel, final int port,
        final CheckRun run)
    {
        final boolean v4 = backend instanceof Inet4Address;
        NetworkChannel reservation = null;
        try
        {
            open(v4);
            final ProtocolFamily family = v4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
            final InetAddress source = sourceTowards(backend, family);
            reservation = protocol == Ipv4.PROTOCOL_TCP ? SocketChannel.open(family) : DatagramChannel.open(family);
            reservation.bind(new InetSocketAddress(source, 0));
            final int sourcePort = ((InetSocketAddress)reservation.getLocalAddress()).getPort();
            final Handshake probe = new Handshake(new Key(protocol, source, sourcePort), tunnel, backend, port, run,
                reservation, v4 ? send4 : send6);
            pending.put(probe.key, probe);
            run.whenDone(probe::end);
            return probe;
        }
        catch (final IOException | RuntimeException e)
        {
            closeQuietly(reservation);
            run.fail("cannot check through the tunnel: " + Failures.describe(e));
            return null;
        }
    }

    /** This box's address the kernel would send from to reach {@code backend} (a UDP connect sends nothing). */
    private static InetAddress sourceTowards(final InetAddress backend, final ProtocolFamily family) throws IOException
    {
        try (DatagramChannel route = DatagramChannel.open(family))
        {
            route.connect(new InetSocketAddress(backend, 9));
            return ((InetSocketAddress)route.getLocalAddress()).getAddress();
        }
    }

    private void open(final boolean v4)
    {
        if (v4 && send4 < 0)
        {
            send4 = RawSockets.open(RawSockets.AF_INET, IPPROTO_RAW);
        }
        if (!v4 && send6 < 0)
        {
            send6 = RawSockets.open(RawSockets.AF_INET6, IPPROTO_RAW);
        }
        if (capture < 0)
        {
            openCapture();
        }
    }

    private void openCapture()
    {
        final int fd = Libc.socket(PacketSockets.AF_PACKET, SOCK_DGRAM | RawSockets.SOCK_NONBLOCK |
            RawSockets.SOCK_CLOEXEC, Short.reverseBytes((short)PacketSockets.ETH_P_ALL) & 0xffff);
        try
        {
            Libc.setsockoptInt(fd, PacketSockets.SOL_PACKET, PacketSockets.PACKET_IGNORE_OUTGOING, 1,
                "PACKET_IGNORE_OUTGOING");
            RawSockets.attachFilter(fd, ReplyFilter.fromSources(vips));
            wake = EventFds.open();
        }
        catch (final RuntimeException e)
        {
            Libc.close(fd);
            throw e;
        }
        capture = fd;
        final int captured = fd;
        final int woken = wake;
        reader = threads.newThread(() -> read(captured, woken));
        reader.setName("fulcrum-health-replies");
        reader.setDaemon(true);
        reader.start();
    }

    /** The reader thread: hands every packet the filter let through to the event loop, until woken to stop. */
    private void read(final int fd, final int stop)
    {
        final PacketParser parser = new PacketParser();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment errno = Libc.errnoSegment(arena);
            final MemorySegment buffer = arena.allocate(MAX_PACKET);
            final MemorySegment fds = arena.allocate(16, 4); // two struct pollfd {int fd; short events, revents}
            fds.set(ValueLayout.JAVA_INT, 0, fd);
            fds.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            fds.set(ValueLayout.JAVA_INT, 8, stop);
            fds.set(ValueLayout.JAVA_SHORT, 12, POLLIN);
            while (true)
            {
                final int ready = Libc.poll(errno, fds, 2, -1);
                if (ready < 0 && ready != -EINTR)
                {
                    LOG.log(System.Logger.Level.ERROR, "encapsulated health checks: poll failed: "
                        + Libc.strerror(-ready));
                    return;
                }
                if (fds.get(ValueLayout.JAVA_SHORT, 14) != 0)
                {
                    return;
                }
                long length;
                while ((length = Libc.recvfrom(errno, fd, buffer, MAX_PACKET, RawSockets.MSG_DONTWAIT,
                    MemorySegment.NULL, MemorySegment.NULL)) >= 0)
                {
                    final byte[] packet = buffer.asSlice(0, Math.min(length, MAX_PACKET)).toArray(ValueLayout.JAVA_BYTE);
                    final TunnelPackets.Reply reply = TunnelPackets.read(parser, packet, packet.length);
                    if (reply != null)
                    {
                        loop.execute(() -> replied(reply));
                    }
                }
            }
        }
        catch (final RejectedExecutionException e)
        {
            // The checker is closing.
        }
    }

    private void replied(final TunnelPackets.Reply reply)
    {
        final Handshake probe = pending.get(new Key(reply.protocol(), reply.destination(), reply.destinationPort()));
        if (probe != null && !probe.run.isDone() && reply.source().equals(probe.tunnel.vip()) &&
            reply.sourcePort() == probe.port)
        {
            probe.onReply.accept(reply);
        }
    }

    /** Sends an encapsulated packet towards the probe's backend; a failure fails {@code run} unless it is null. */
    private static void send(final Handshake probe, final byte[] packet, final CheckRun run)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment to = probe.backend instanceof Inet4Address ?
                RawSockets.sockaddrIn(arena, IpAddresses.v4(IpAddresses.lo(probe.backend))) :
                RawSockets.sockaddrIn6(arena, IpAddresses.hi(probe.backend), IpAddresses.lo(probe.backend), 0);
            final long sent = Libc.sendto(Libc.errnoSegment(arena), probe.socket, arena.allocateFrom(
                ValueLayout.JAVA_BYTE, packet), packet.length, 0, to, (int)to.byteSize());
            if (sent < 0 && run != null)
            {
                run.fail("cannot send through the tunnel: " + Libc.strerror((int)-sent));
            }
        }
    }

    private static void closeQuietly(final NetworkChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException e)
            {
                // nothing held any more
            }
        }
    }

    /** Replies are matched on what they are sent to: this box's address and the reserved port. */
    private record Key(int protocol, InetAddress local, int port)
    {
    }

    /** One probe in flight, from the reserved source to the VIP, until it ends. */
    private final class Handshake
    {
        final Key key;
        final Tunnel tunnel;
        final InetAddress backend;
        final int port;
        final CheckRun run;
        final NetworkChannel reservation;
        final int socket;
        final InetAddress source;
        final int sourcePort;
        Consumer<TunnelPackets.Reply> onReply = reply -> { };

        Handshake(final Key key, final Tunnel tunnel, final InetAddress backend, final int port, final CheckRun run,
            final NetworkChannel reservation, final int socket)
        {
            this.key = key;
            this.tunnel = tunnel;
            this.backend = backend;
            this.port = port;
            this.run = run;
            this.reservation = reservation;
            this.socket = socket;
            this.source = key.local();
            this.sourcePort = key.port();
        }

        /** Stops matching replies and frees the port; may be called more than once. */
        void end()
        {
            if (pending.remove(key, this))
            {
                closeQuietly(reservation);
            }
        }
    }
}
