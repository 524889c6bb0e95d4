package io.fulcrum.proxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for the proxy's tests: Netty's HTTP server on NIO (apart from the transports under test), aggregating
 * each request and answering by path. It counts the connections it accepts and sees closed, and keeps what it was
 * sent.
 *
 * <ul>
 *   <li>{@code /big}: 1 MiB of {@link #bigBody()}, Content-Length</li>
 *   <li>{@code /chunked}: 1 MiB of {@link #bigBody()} in 64 KiB chunks</li>
 *   <li>{@code /slow}: 200 after 3 s</li>
 *   <li>{@code /reset}: closes the connection without an answer</li>
 *   <li>{@code /die}: headers for 1 MiB, 1000 bytes of it, then closes</li>
 *   <li>{@code /stream}: a chunked body that never ends, a chunk every 10 ms until the connection closes</li>
 *   <li>{@code /status/NNN}: status NNN</li>
 *   <li>{@code /close}: 200 with "Connection: close", then closes</li>
 *   <li>anything else: 200, "NAME METHOD URI bytes=N sha256=HEX" of the request body</li>
 * </ul>
 */
final class TestBackend implements AutoCloseable
{
    static final int BIG = 1 << 20;

    record Seen(String method, String uri, HttpHeaders headers, int bodyLength)
    {
    }

    private final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile boolean resetAll;

    TestBackend(final String name)
    {
        this.name = name;
        channel = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel ch)
                {
                    accepted.incrementAndGet();
                    ch.closeFuture().addListener(future -> closed.incrementAndGet());
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(4 * BIG), new Responder());
                }
            })
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).syncUninterruptibly().channel();
    }

    InetSocketAddress address()
    {
        return (InetSocketAddress)channel.localAddress();
    }

    /** Every request is answered by closing the connection. */
    void resetAll()
    {
        resetAll = true;
    }

    int accepted()
    {
        return accepted.get();
    }

    int closed()
    {
        return closed.get();
    }

    List<Seen> seen()
    {
        return seen;
    }

    static byte[] bigBody()
    {
        final byte[] body = new byte[BIG];
        for (int i = 0; i < body.length; i++)
        {
            body[i] = (byte)(i * 31 + (i >>> 8));
        }
        return body;
    }

    static String sha256(final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close()
    {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            final byte[] body = ByteBufUtil.getBytes(request.content());
            seen.add(new Seen(request.method().name(), request.uri(), request.headers().copy(), body.length));
            final String path = request.uri();
            if (resetAll || path.equals("/reset"))
            {
                ctx.close();
            }
            else if (path.equals("/big"))
            {
                ctx.writeAndFlush(response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(bigBody())));
            }
            else if (path.equals("/chunked"))
            {
                chunked(ctx, bigBody());
            }
            else if (path.equals("/slow"))
            {
                ctx.executor().schedule(() -> ctx.writeAndFlush(text(HttpResponseStatus.OK, "slow")), 3,
                    TimeUnit.SECONDS);
            }
            else if (path.equals("/die"))
            {
                final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setContentLength(head, BIG);
                ctx.write(head);
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1000])))
                    .addListener(ChannelFutureListener.CLOSE);
            }
            else if (path.equals("/stream"))
            {
                final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setTransferEncodingChunked(head, true);
                ctx.writeAndFlush(head);
                stream(ctx);
            }
            else if (path.equals("/close"))
            {
                final FullHttpResponse response = text(HttpResponseStatus.OK, "closing");
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
            else if (path.startsWith("/status/"))
            {
                final int code = Integer.parseInt(path.substring("/status/".length()));
                ctx.writeAndFlush(text(HttpResponseStatus.valueOf(code), "status " + code));
            }
            else
            {
                ctx.writeAndFlush(text(HttpResponseStatus.OK, name + " " + request.method() + " " + path + " bytes=" +
                    body.length + " sha256=" + sha256(body)));
            }
        }

        private void chunked(final ChannelHandlerContext ctx, final byte[] body)
        {
            final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.write(head);
            for (int offset = 0; offset < body.length; offset += 65536)
            {
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(body, offset, 65536)));
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }

        private void stream(final ChannelHandlerContext ctx)
        {
            if (!ctx.channel().isActive())
            {
                return;
            }
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1024])));
            ctx.executor().schedule(() -> stream(ctx), 10, TimeUnit.MILLISECONDS);
        }

        private static FullHttpResponse text(final HttpResponseStatus status, final String text)
        {
            return response(status, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        }

        private static FullHttpResponse response(final HttpResponseStatus status, final ByteBuf body)
        {
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
            return response;
        }
    }
}
