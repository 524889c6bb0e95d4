package io.fulcrum.proxy.http;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.fulcrum.proxy.ProxyListener;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.transport.EventLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * An HTTP/1.1 reverse proxy on one listening address: client keep-alive, keep-alive connections to the backends
 * pooled per event loop, routing by Host and path prefix, X-Forwarded-For/Forwarded/X-Forwarded-Proto, retries where
 * they are safe, 502/503/504 of its own when no backend can answer, and 400/408/414/431 for client input it will not
 * forward. Bodies stream both ways with backpressure; nothing is aggregated.
 *
 * <p>A client connection's pipeline, each handler with one job: {@link RequestTimer} (slow headers, keep-alive idle),
 * Netty's {@link HttpServerCodec} (with the size limits), {@link RequestValidator} (what is refused), and
 * {@link ClientConnection} (the requests in order, keep-alive), which runs each request as an {@link HttpExchange}
 * over a {@link BackendConnection} from the loop's {@link BackendConnectionPool}.
 */
public final class HttpProxyService implements ProxyListener
{
    private final HttpProxySettings settings;
    private final BackendOutcomes outcomes;
    private final HttpProxyCounters counters = new HttpProxyCounters();
    private final Map<EventLoop, BackendConnectionPool> pools = new ConcurrentHashMap<>();
    private volatile HttpRouter router;
    private volatile boolean running;
    private EventLoops loops;
    private ChannelGroup clients;
    private Channel listener;

    public HttpProxyService(final HttpProxySettings settings, final BackendOutcomes outcomes)
    {
        this.settings = settings;
        this.outcomes = outcomes;
        this.router = new HttpRouter(settings.routes(), settings.defaultBackends());
    }

    public HttpProxyService(final HttpProxySettings settings)
    {
        this(settings, BackendOutcomes.NONE);
    }

    /**
     * Listens on the settings' address with the given event loops (which the caller owns and closes after
     * {@link #stop}).
     *
     * @throws IllegalStateException when the address cannot be bound, with the service's name and the reason
     */
    @Override
    public synchronized void start(final EventLoops eventLoops)
    {
        if (listener != null)
        {
            throw new IllegalStateException("HTTP proxy service " + settings.name() + " already started");
        }
        loops = eventLoops;
        clients = new DefaultChannelGroup("http-" + settings.name(), GlobalEventExecutor.INSTANCE);
        running = true;
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(eventLoops.group())
            .channel(eventLoops.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    clients.add(channel);
                    final RequestTimer timer = new RequestTimer(settings.timeouts());
                    channel.pipeline().addLast(timer, new HttpServerCodec(decoderConfig()), new RequestValidator(),
                        new ClientConnection(HttpProxyService.this, timer));
                }
            });
        eventLoops.freeBind(bootstrap);
        try
        {
            listener = bootstrap.bind(settings.listen()).syncUninterruptibly().channel();
        }
        catch (final Exception e)
        {
            running = false;
            throw new IllegalStateException("HTTP proxy service " + settings.name() + " cannot listen on " +
                settings.listen() + ": " + e.getMessage(), e);
        }
    }

    /** Stops listening, closes every client connection and every pooled backend connection. */
    @Override
    public synchronized void stop()
    {
        if (listener == null)
        {
            return;
        }
        running = false;
        listener.close().syncUninterruptibly();
        listener = null;
        clients.close().awaitUninterruptibly();
        pools.values().forEach(BackendConnectionPool::close);
        pools.clear();
    }

    /** Replaces the routes; requests already routed finish where they are. */
    public void publishRoutes(final List<HttpRoute> routes, final BackendSet defaultBackends)
    {
        router = new HttpRouter(List.copyOf(routes), defaultBackends);
    }

    /** Where it listens: the settings' address with the port the system chose for port 0. */
    @Override
    public synchronized InetSocketAddress localAddress()
    {
        if (listener == null)
        {
            throw new IllegalStateException("HTTP proxy service " + settings.name() + " is not started");
        }
        return (InetSocketAddress)listener.localAddress();
    }

    public String name()
    {
        return settings.name();
    }

    public HttpProxyCounters counters()
    {
        return counters;
    }

    HttpProxySettings settings()
    {
        return settings;
    }

    BackendOutcomes outcomes()
    {
        return outcomes;
    }

    HttpRouter router()
    {
        return router;
    }

    /** The backend connections of {@code loop}, null once stopped. */
    BackendConnectionPool pool(final EventLoop loop)
    {
        if (!running)
        {
            return null;
        }
        final BackendConnectionPool pool = pools.get(loop);
        return pool != null ? pool :
            pools.computeIfAbsent(loop, key -> new BackendConnectionPool(loops, key, settings.timeouts()));
    }

    private HttpDecoderConfig decoderConfig()
    {
        return new HttpDecoderConfig()
            .setMaxInitialLineLength(settings.maxRequestLine())
            .setMaxHeaderSize(settings.maxHeaderSize())
            .setMaxChunkSize(BackendConnectionPool.MAX_CHUNK_SIZE)
            .setValidateHeaders(true)
            .setStrictLineParsing(true)
            .setAllowDuplicateContentLengths(false)
            .setUseRfc9112TransferEncoding(true);
    }
}
