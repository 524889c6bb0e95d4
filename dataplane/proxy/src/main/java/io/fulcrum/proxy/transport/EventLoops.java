package io.fulcrum.proxy.transport;

import io.fulcrum.dataplane.sys.Affinity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's event loops, one per configured core and pinned to it, with the channel types of the transport they
 * run: io_uring or epoll. There is no NIO fallback: a proxy on NIO would be a slower appliance without saying so.
 *
 * @param kind the transport in use: {@link TransportKind#IO_URING} or {@link TransportKind#EPOLL}, never AUTO
 */
public record EventLoops(TransportKind kind, EventLoopGroup group, Class<? extends ServerSocketChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel, Class<? extends DatagramChannel> datagramChannel)
    implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(EventLoops.class.getName());

    /**
     * @param wanted the configured transport; AUTO takes io_uring when it is available and says why when it is not
     * @param cores  one event loop per entry, pinned to that CPU; a negative entry leaves its loop unpinned
     * @throws IllegalStateException when the transport asked for cannot run here, with Netty's reason
     */
    public static EventLoops open(final TransportKind wanted, final List<Integer> cores)
    {
        if (cores.isEmpty())
        {
            throw new IllegalArgumentException("the proxy needs at least one core");
        }
        final TransportKind kind = resolve(wanted);
        final ThreadFactory threads = pinnedThreads(kind, cores);
        return switch (kind)
        {
            case IO_URING -> new EventLoops(kind, new MultiThreadIoEventLoopGroup(cores.size(), threads,
                IoUringIoHandler.newFactory()), IoUringServerSocketChannel.class, IoUringSocketChannel.class,
                IoUringDatagramChannel.class);
            case EPOLL -> new EventLoops(kind, new MultiThreadIoEventLoopGroup(cores.size(), threads,
                EpollIoHandler.newFactory()), EpollServerSocketChannel.class, EpollSocketChannel.class,
                EpollDatagramChannel.class);
            case AUTO -> throw new AssertionError("resolved above");
        };
    }

    /** The transport {@code wanted} comes to on this machine. */
    public static TransportKind resolve(final TransportKind wanted)
    {
        return switch (wanted)
        {
            case IO_URING ->
            {
                if (!IoUring.isAvailable())
                {
                    throw new IllegalStateException("proxy.transport is io_uring but io_uring is not available here: " +
                        IoUring.unavailabilityCause());
                }
                yield TransportKind.IO_URING;
            }
            case EPOLL ->
            {
                if (!Epoll.isAvailable())
                {
                    throw new IllegalStateException("proxy.transport is epoll but epoll is not available here: " +
                        Epoll.unavailabilityCause());
                }
                yield TransportKind.EPOLL;
            }
            case AUTO ->
            {
                if (IoUring.isAvailable())
                {
                    yield TransportKind.IO_URING;
                }
                LOG.log(System.Logger.Level.WARNING, "the proxy runs on epoll: io_uring is not available: {0}",
                    String.valueOf(IoUring.unavailabilityCause()));
                yield resolve(TransportKind.EPOLL);
            }
        };
    }

    /**
     * Lets a listener bind an address this host does not hold yet (IP_FREEBIND): the standby of a VRRP pair listens
     * on the VIP before it owns it, so a takeover needs no rebind, and nothing namespace-wide
     * ({@code ip_nonlocal_bind}) has to change.
     */
    public void freeBind(final ServerBootstrap bootstrap)
    {
        bootstrap.option(freeBindOption(), true);
    }

    /** The IP_FREEBIND option of this transport, for datagram listeners as well. */
    public ChannelOption<Boolean> freeBindOption()
    {
        return kind == TransportKind.IO_URING ? IoUringChannelOption.IP_FREEBIND : EpollChannelOption.IP_FREEBIND;
    }

    @Override
    public void close()
    {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ThreadFactory pinnedThreads(final TransportKind kind, final List<Integer> cores)
    {
        final AtomicInteger next = new AtomicInteger();
        return task ->
        {
            final int index = next.getAndIncrement();
            final int cpu = cores.get(index % cores.size());
            final Thread thread = new Thread(() ->
            {
                if (cpu >= 0)
                {
                    Affinity.pinCurrentThread(cpu);
                }
                task.run();
            }, "fulcrum-proxy-" + kind.yamlName() + "-" + index + (cpu >= 0 ? "-cpu" + cpu : ""));
            thread.setDaemon(true);
            return thread;
        };
    }
}
