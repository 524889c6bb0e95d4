package io.fulcrum.controlplane.api;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import io.fulcrum.controlplane.daemon.ApplianceControl;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The management API and status page over HTTP/1.1 (HTTPS when {@link ApiSettings} names a certificate and key):
 * Netty on the epoll transport with one event-loop thread (NIO where epoll is unavailable). Netty is already the
 * health checker's transport; it reads PEM certificates and keys directly, where the JDK's HttpsServer would need a
 * hand-written PEM-to-KeyStore step.
 *
 * <p>An upgrade upload ({@link UpgradeUpload}) streams to disk ahead of the aggregator, which holds small bodies only.
 *
 * <p>Requests are answered on the event-loop thread, one at a time: {@link ApplianceControl} calls are short except
 * a reload, and a status page that waits for a reload to finish is the right behaviour. Calls that run an external
 * program (the upgrade installer) are the exception: {@link ProgramCalls} runs them on a thread of their own and the
 * answer is written when it is there, so a slow or hung installer holds up no other request.
 */
public final class ManagementServer implements AutoCloseable
{
    /** Bodies larger than this (a configuration file is a few kB) are refused with 413 by the aggregator. */
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final int IDLE_CONNECTION_SECONDS = 60;

    private final EventLoopGroup group;
    private final Channel channel;
    private final ProgramCalls programs;
    private final boolean tls;

    private ManagementServer(final EventLoopGroup group, final Channel channel, final ProgramCalls programs,
        final boolean tls)
    {
        this.group = group;
        this.channel = channel;
        this.programs = programs;
        this.tls = tls;
    }

    /**
     * Binds and starts serving; returns once the socket listens.
     *
     * @throws IllegalStateException when the address cannot be bound or the certificate or key cannot be read
     */
    public static ManagementServer start(final ApiSettings settings, final ApplianceControl control)
    {
        final SslContext ssl = settings.tls() ? sslContext(settings) : null;
        final ManagementApi api = new ManagementApi(control, settings.tokens());
        final boolean epoll = Epoll.isAvailable();
        final IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        final Class<? extends ServerChannel> channelType =
            epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fulcrum-api", true), io);
        final ProgramCalls programs = new ProgramCalls(api);
        final RequestHandler handler = new RequestHandler(api, programs);
        try
        {
            final Channel channel = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        if (ssl != null)
                        {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(
                            new ReadTimeoutHandler(IDLE_CONNECTION_SECONDS),
                            new HttpServerCodec(),
                            new UpgradeUpload(api, programs),
                            new HttpObjectAggregator(MAX_BODY_BYTES),
                            handler);
                    }
                })
                .bind(settings.listen())
                .sync()
                .channel();
            return new ManagementServer(group, channel, programs, ssl != null);
        }
        catch (final Exception e)
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            programs.close();
            if (e instanceof InterruptedException)
            {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("management API: cannot listen on " + settings.listen() + ": " + e, e);
        }
    }

    private static SslContext sslContext(final ApiSettings settings)
    {
        try
        {
            return SslContextBuilder.forServer(settings.tlsCertificate().toFile(), settings.tlsKey().toFile()).build();
        }
        catch (final SSLException | IllegalArgumentException e)
        {
            throw new IllegalStateException("management API: cannot use certificate " + settings.tlsCertificate()
                + " and key " + settings.tlsKey() + ": " + e.getMessage(), e);
        }
    }

    /** The bound address (with the real port when the settings asked for port 0). */
    public InetSocketAddress address()
    {
        return (InetSocketAddress)channel.localAddress();
    }

    /** {@code http://host:port} or {@code https://host:port} of the bound address. */
    public String url()
    {
        final InetSocketAddress address = address();
        final String host = address.getAddress().getHostAddress();
        return (tls ? "https://" : "http://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":"
            + address.getPort();
    }

    @Override
    public void close()
    {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        programs.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Writes one answer; without keep-alive the connection closes once it is sent. */
    static void write(final ChannelHandlerContext ctx, final ApiResponse response, final boolean keepAlive)
    {
        final FullHttpResponse reply = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        reply.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        reply.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        response.headers().forEach((name, value) -> reply.headers().set(name, value));
        if (keepAlive)
        {
            reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(reply);
        }
        else
        {
            reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Writes {@code response} on the channel's event loop once it is there; a failed one closes the connection. */
    static CompletableFuture<Void> writeWhenDone(final ChannelHandlerContext ctx,
        final CompletableFuture<ApiResponse> response, final boolean keepAlive)
    {
        return response.thenAcceptAsync(answer -> write(ctx, answer, keepAlive), ctx.executor())
            .whenComplete((done, failure) ->
            {
                if (failure != null)
                {
                    ctx.close();
                }
            });
    }

    /** Adapts Netty's aggregated request to {@link ManagementApi} and writes its answer back. */
    @ChannelHandler.Sharable
    private static final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        /** The last answer on a connection that waits for a program; those after it are written after it. */
        private static final AttributeKey<CompletableFuture<Void>> PENDING = AttributeKey.valueOf("fulcrum-pending");

        private final ManagementApi api;
        private final ProgramCalls programs;

        RequestHandler(final ManagementApi api, final ProgramCalls programs)
        {
            this.api = api;
            this.programs = programs;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            final boolean keepAlive = HttpUtil.isKeepAlive(request) && !request.decoderResult().isFailure();
            final CompletableFuture<ApiResponse> response;
            if (request.decoderResult().isFailure())
            {
                response = CompletableFuture.completedFuture(api.error(400, "bad_request", "malformed HTTP request"));
            }
            else
            {
                final byte[] body = new byte[request.content().readableBytes()];
                request.content().readBytes(body);
                final ApiRequest apiRequest = new ApiRequest(request.method().name(),
                    new QueryStringDecoder(request.uri()).rawPath(),
                    request.headers().get(HttpHeaderNames.AUTHORIZATION),
                    request.headers().get(HttpHeaderNames.ACCEPT),
                    body);
                response = ManagementApi.runsProgram(apiRequest) ? programs.answer(() -> api.handle(apiRequest))
                    : CompletableFuture.completedFuture(answer(apiRequest));
            }
            final Attribute<CompletableFuture<Void>> pending = ctx.channel().attr(PENDING);
            final CompletableFuture<Void> before = pending.get();
            if ((before == null || before.isDone()) && response.isDone())
            {
                pending.set(null);
                write(ctx, response.join(), keepAlive);
                return;
            }
            // A pipelining client gets its answers in the order it asked (RFC 9112 section 9.3.2).
            pending.set(writeWhenDone(ctx, before == null ? response : before.thenCompose(written -> response),
                keepAlive));
        }

        private ApiResponse answer(final ApiRequest request)
        {
            try
            {
                return api.handle(request);
            }
            catch (final RuntimeException e)
            {
                return api.error(500, "internal_error", e.toString());
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // A client that went away or timed out: nothing to answer.
            ctx.close();
        }
    }
}
