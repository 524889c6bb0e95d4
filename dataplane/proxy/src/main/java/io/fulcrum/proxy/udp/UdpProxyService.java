package io.fulcrum.proxy.udp;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.fulcrum.proxy.ProxyListener;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.transport.EventLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * A {@code mode: udp} service (DNS-like request and answer): per client address a session to one backend, ended by
 * the idle timeout. One listening socket per event loop, bound with SO_REUSEPORT so the kernel spreads clients over
 * them by their address and port and a client's datagrams always reach the same socket and session table.
 */
public final class UdpProxyService implements ProxyListener
{
    /** Read buffers hold the largest datagram, so nothing is truncated in silence. */
    private static final int MAX_DATAGRAM = 65_536;

    private final UdpProxySettings settings;
    private final BackendSet backends;
    private final UdpProxyCounters counters = new UdpProxyCounters();
    private final ChannelGroup channels;
    private final List<Channel> listeners = new ArrayList<>();

    public UdpProxyService(final UdpProxySettings settings, final BackendSet backends)
    {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.backends = Objects.requireNonNull(backends, "backends");
        this.channels = new DefaultChannelGroup(settings.name(), GlobalEventExecutor.INSTANCE);
    }

    /**
     * Binds the listening sockets (IP_FREEBIND, SO_REUSEADDR, SO_REUSEPORT) on the event loops; returns once they are
     * bound.
     *
     * @throws IllegalStateException when the address cannot be bound, with the service's name and the reason
     */
    @Override
    public synchronized void start(final EventLoops loops)
    {
        if (!listeners.isEmpty())
        {
            throw new IllegalStateException("udp service " + settings.name() + " is already started");
        }
        final FixedRecvByteBufAllocator buffers = new FixedRecvByteBufAllocator(MAX_DATAGRAM);
        final Bootstrap sessions = new Bootstrap()
            .channel(loops.datagramChannel())
            .option(ChannelOption.RCVBUF_ALLOCATOR, buffers);
        final Bootstrap listen = new Bootstrap()
            .channel(loops.datagramChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(UnixChannelOption.SO_REUSEPORT, true)
            .option(loops.freeBindOption(), true)
            .option(ChannelOption.RCVBUF_ALLOCATOR, buffers);
        InetSocketAddress address = settings.listen();
        try
        {
            for (final EventExecutor loop : loops.group())
            {
                final Channel listener = listen.clone((EventLoop)loop)
                    .handler(new ClientDatagrams(settings, backends, counters, channels, sessions))
                    .bind(address).syncUninterruptibly().channel();
                listeners.add(listener);
                // Port 0 asks the kernel for a port: the other sockets share the one the first got.
                address = (InetSocketAddress)listener.localAddress();
            }
        }
        catch (final Exception e)
        {
            stop();
            throw new IllegalStateException("udp service " + settings.name() + " cannot listen on " +
                settings.listen() + ": " + e.getMessage(), e);
        }
    }

    /** Closes the listening sockets, then every session. */
    @Override
    public synchronized void stop()
    {
        for (final Channel listener : listeners)
        {
            listener.close().syncUninterruptibly();
        }
        listeners.clear();
        channels.close().awaitUninterruptibly();
    }

    /** Where the service listens (the bound port when the settings asked for port 0); null when not started. */
    @Override
    public synchronized InetSocketAddress localAddress()
    {
        return listeners.isEmpty() ? null : (InetSocketAddress)listeners.getFirst().localAddress();
    }

    public UdpProxySettings settings()
    {
        return settings;
    }

    public UdpProxyCounters counters()
    {
        return counters;
    }
}
