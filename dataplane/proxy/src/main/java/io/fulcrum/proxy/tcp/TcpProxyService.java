package io.fulcrum.proxy.tcp;

import java.net.InetSocketAddress;
import java.util.Objects;

import io.fulcrum.proxy.ProxyListener;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.transport.EventLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * A {@code mode: tcp} service: listens on its VIP and port, and for each client connection opens one to a backend of
 * its {@link BackendSet} and relays bytes both ways until either side is done.
 *
 * <p>Per client connection the pipeline is {@link IdleTimeout}, then {@link FrontendHandler} until the backend is
 * connected ({@link BackendConnector}), then a {@link Relay}; the backend connection has a {@link FirstByteLatency}
 * until its first read, then a {@link Relay}. {@link ConnectionLimit} sits on the listener.
 */
public final class TcpProxyService implements ProxyListener
{
    private final TcpProxySettings settings;
    private final BackendSet backends;
    private final TcpProxyCounters counters = new TcpProxyCounters();
    private final ChannelGroup channels;
    private Channel listener;

    /** @param backends what the control plane publishes for this service; the service reads, never writes, it */
    public TcpProxyService(final TcpProxySettings settings, final BackendSet backends)
    {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.backends = Objects.requireNonNull(backends, "backends");
        this.channels = new DefaultChannelGroup(settings.name(), GlobalEventExecutor.INSTANCE);
    }

    /**
     * Binds the listener (IP_FREEBIND, SO_REUSEADDR) on the event loops; returns once it listens.
     *
     * @throws IllegalStateException when the address cannot be bound, with the service's name and the reason
     */
    @Override
    public synchronized void start(final EventLoops loops)
    {
        if (listener != null)
        {
            throw new IllegalStateException("tcp service " + settings.name() + " is already started");
        }
        final BackendConnector connector = new BackendConnector(settings, backends, counters, channels, loops);
        final ConnectionLimit limit = new ConnectionLimit(settings.maxConnections(), counters);
        final long idleNanos = settings.idleTimeout().toNanos();
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(loops.group())
            .channel(loops.serverChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .handler(limit)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel client)
                {
                    channels.add(client);
                    if (idleNanos > 0)
                    {
                        client.pipeline().addLast(new IdleTimeout(idleNanos, counters));
                    }
                    client.pipeline().addLast(new FrontendHandler(backends, connector, counters));
                }
            });
        loops.freeBind(bootstrap);
        try
        {
            listener = bootstrap.bind(settings.listen()).syncUninterruptibly().channel();
        }
        catch (final Exception e)
        {
            throw new IllegalStateException("tcp service " + settings.name() + " cannot listen on " +
                settings.listen() + ": " + e.getMessage(), e);
        }
    }

    /** Closes the listener, then every open connection. */
    @Override
    public synchronized void stop()
    {
        if (listener == null)
        {
            return;
        }
        listener.close().syncUninterruptibly();
        listener = null;
        channels.close().awaitUninterruptibly();
    }

    /** Where the service listens (the bound port when the settings asked for port 0); null when not started. */
    @Override
    public synchronized InetSocketAddress localAddress()
    {
        return listener == null ? null : (InetSocketAddress)listener.localAddress();
    }

    public TcpProxySettings settings()
    {
        return settings;
    }

    public TcpProxyCounters counters()
    {
        return counters;
    }
}
