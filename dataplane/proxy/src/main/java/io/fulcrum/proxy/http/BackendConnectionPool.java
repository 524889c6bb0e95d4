package io.fulcrum.proxy.http;

import io.fulcrum.proxy.transport.EventLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The idle keep-alive connections of one event loop to each backend of one service. A client's requests and their
 * backend connections live on the client's event loop, so the pool has no locks and a connection never changes
 * thread. A connection comes back only after its response is complete; the most recently used is taken first (its
 * TCP state is warm, and the old ones age out), the ones idle longer than the backend idle timeout are closed by a
 * sweep, and one the backend closes leaves at once.
 */
final class BackendConnectionPool
{
    /** Idle connections kept per backend and loop; more are closed on release. */
    private static final int MAX_IDLE_PER_BACKEND = 256;
    private static final int BACKEND_MAX_INITIAL_LINE = 16 * 1024;
    private static final int BACKEND_MAX_HEADER_SIZE = 64 * 1024;
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final long idleNanos;
    private final Map<InetSocketAddress, ArrayDeque<BackendConnection>> idle = new HashMap<>();
    private final ScheduledFuture<?> sweeper;
    private boolean closed;

    BackendConnectionPool(final EventLoops loops, final EventLoop loop, final HttpTimeouts timeouts)
    {
        this.loop = loop;
        this.idleNanos = timeouts.backendIdle().toNanos();
        final long responseTimeoutNanos = timeouts.backendResponse().toNanos();
        final BackendConnectionPool pool = this;
        this.bootstrap = new Bootstrap()
            .group(loop)
            .channel(loops.socketChannel())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)Math.min(Integer.MAX_VALUE,
                timeouts.backendConnect().toMillis()))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .handler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    final HttpDecoderConfig decoder = new HttpDecoderConfig()
                        .setMaxInitialLineLength(BACKEND_MAX_INITIAL_LINE)
                        .setMaxHeaderSize(BACKEND_MAX_HEADER_SIZE)
                        .setMaxChunkSize(MAX_CHUNK_SIZE);
                    channel.pipeline().addLast(new HttpClientCodec(decoder, false, false),
                        new BackendConnection(pool, responseTimeoutNanos));
                }
            });
        final long sweepNanos = Math.clamp(idleNanos / 2, TimeUnit.MILLISECONDS.toNanos(50),
            TimeUnit.SECONDS.toNanos(1));
        this.sweeper = loop.scheduleAtFixedRate(this::sweep, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
    }

    /** @return an idle connection to {@code address}, or null when there is none */
    BackendConnection pollIdle(final InetSocketAddress address)
    {
        final ArrayDeque<BackendConnection> connections = idle.get(address);
        if (connections == null)
        {
            return null;
        }
        BackendConnection connection;
        while ((connection = connections.pollFirst()) != null)
        {
            if (connection.isActive())
            {
                return connection;
            }
        }
        return null;
    }

    ChannelFuture connect(final InetSocketAddress address)
    {
        return bootstrap.connect(address);
    }

    /** Its response is complete and the backend keeps it open: kept for the next request to this backend. */
    void release(final BackendConnection connection, final InetSocketAddress address)
    {
        connection.detach();
        if (closed || !connection.isActive())
        {
            connection.close();
            return;
        }
        final ArrayDeque<BackendConnection> connections = idle.computeIfAbsent(address, key -> new ArrayDeque<>());
        connection.pooled(address, System.nanoTime());
        connections.addFirst(connection);
        if (connections.size() > MAX_IDLE_PER_BACKEND)
        {
            connections.pollLast().close();
        }
    }

    /** The backend closed an idle connection. */
    void remove(final BackendConnection connection)
    {
        final InetSocketAddress key = connection.poolKey();
        if (key != null)
        {
            final ArrayDeque<BackendConnection> connections = idle.get(key);
            if (connections != null)
            {
                connections.remove(connection);
            }
        }
    }

    /** Closes every idle connection and keeps none from now on; any thread. */
    void close()
    {
        loop.execute(() ->
        {
            closed = true;
            sweeper.cancel(false);
            for (final ArrayDeque<BackendConnection> connections : idle.values())
            {
                BackendConnection connection;
                while ((connection = connections.pollFirst()) != null)
                {
                    connection.close();
                }
            }
            idle.clear();
        });
    }

    private void sweep()
    {
        final long now = System.nanoTime();
        final Iterator<ArrayDeque<BackendConnection>> backends = idle.values().iterator();
        while (backends.hasNext())
        {
            final ArrayDeque<BackendConnection> connections = backends.next();
            BackendConnection oldest;
            while ((oldest = connections.peekLast()) != null && now - oldest.idleSinceNanos() >= idleNanos)
            {
                connections.pollLast().close();
            }
            if (connections.isEmpty())
            {
                backends.remove();
            }
        }
    }
}
