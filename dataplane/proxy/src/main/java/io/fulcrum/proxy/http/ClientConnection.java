package io.fulcrum.proxy.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

import io.fulcrum.proxy.pool.FlowHashes;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * One client connection, the last handler of its pipeline. Its requests are answered one at a time and in order:
 * each gets an {@link HttpExchange}; a pipelined request that arrives meanwhile waits, decoded, and the connection
 * stops reading until the answer before it is complete. Whether the connection stays open after an answer is
 * RFC 9112 9.3's rule: HTTP/1.1 unless "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
 */
final class ClientConnection extends ChannelInboundHandlerAdapter
{
    private static final System.Logger LOG = System.getLogger(ClientConnection.class.getName());

    private final HttpProxyService service;
    private final RequestTimer timer;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private BackendConnectionPool pool;
    private InetAddress address;
    private long flowHash;
    private long clientHash;
    private HttpExchange exchange;
    private boolean closing;

    ClientConnection(final HttpProxyService service, final RequestTimer timer)
    {
        this.service = service;
        this.timer = timer;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        final InetSocketAddress remote = (InetSocketAddress)ctx.channel().remoteAddress();
        final InetSocketAddress local = (InetSocketAddress)ctx.channel().localAddress();
        address = remote.getAddress();
        clientHash = FlowHashes.client(remote);
        flowHash = FlowHashes.flow(remote, local, FlowHashes.TCP);
        pool = service.pool(ctx.channel().eventLoop());
        if (pool == null)
        {
            ctx.close();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        dispatch(msg);
        updateReading();
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        if (exchange != null)
        {
            exchange.flushToBackend();
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        if (exchange != null)
        {
            exchange.clientWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event)
    {
        if (event instanceof RequestTimeout timeout)
        {
            if (exchange != null || closing)
            {
                return;
            }
            if (timeout == RequestTimeout.HEADERS)
            {
                respondAndClose(HttpResponseStatus.REQUEST_TIMEOUT);
            }
            else
            {
                closing = true;
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        closing = true;
        Object msg;
        while ((msg = waiting.poll()) != null)
        {
            ReferenceCountUtil.release(msg);
        }
        final HttpExchange current = exchange;
        exchange = null;
        if (current != null)
        {
            current.clientClosed();
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        LOG.log(System.Logger.Level.DEBUG, "client connection {0} failed: {1}", ctx.channel(), cause.toString());
        closing = true;
        ctx.close();
    }

    private void dispatch(final Object msg)
    {
        if (closing)
        {
            ReferenceCountUtil.release(msg);
        }
        else if (exchange == null)
        {
            begin(msg);
        }
        else if (exchange.requestReceived())
        {
            waiting.add(msg);
        }
        else if (msg instanceof HttpContent content)
        {
            exchange.requestContent(content);
        }
        else
        {
            // The decoder sends a request's contents before the next request: nothing else can come here.
            ReferenceCountUtil.release(msg);
            abort();
        }
    }

    private void begin(final Object msg)
    {
        if (msg instanceof RefusedRequest refused)
        {
            service.counters().request();
            LOG.log(System.Logger.Level.DEBUG, "refused a request from {0}: {1} {2}", address, refused.status(),
                refused.reason());
            respondAndClose(refused.status());
        }
        else if (msg instanceof HttpRequest request)
        {
            service.counters().request();
            timer.requestStarted();
            exchange = new HttpExchange(this, service, request);
            exchange.start();
        }
        else
        {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Reads from the client while nothing waits and the exchange can take the bytes. */
    void updateReading()
    {
        final boolean read = !closing && waiting.isEmpty() && (exchange == null || exchange.acceptsRequestBytes());
        final ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead() != read)
        {
            config.setAutoRead(read);
        }
    }

    /** The exchange's request is read to its end. */
    void requestReceived()
    {
        timer.requestReceived();
    }

    /**
     * The exchange is over: its response is written (or the connection is closing).
     *
     * @param keepAlive the connection takes the next request; otherwise it closes once the response is out
     */
    void exchangeDone(final boolean keepAlive)
    {
        exchange = null;
        if (closing)
        {
            return;
        }
        if (!keepAlive)
        {
            closeAfterFlush();
            return;
        }
        timer.awaitNextRequest();
        while (!closing && !waiting.isEmpty() && (exchange == null || !exchange.requestReceived()))
        {
            dispatch(waiting.poll());
        }
        if (exchange != null)
        {
            // No read completes after messages taken from the queue: what they wrote goes out now.
            exchange.flushToBackend();
        }
        updateReading();
    }

    void writeResponseHead(final HttpResponse response)
    {
        service.counters().response(response.status());
        ctx.write(response, ctx.voidPromise());
    }

    void write(final HttpObject part)
    {
        ctx.write(part, ctx.voidPromise());
    }

    void flush()
    {
        ctx.flush();
    }

    boolean isWritable()
    {
        return ctx.channel().isWritable();
    }

    /** RFC 9110 15.2.1: the client may send the body. */
    void sendContinue()
    {
        final HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
            Unpooled.EMPTY_BUFFER);
        writeResponseHead(response);
        ctx.flush();
    }

    /** One of the proxy's own answers, counted by its status. */
    void sendError(final HttpResponseStatus status, final boolean close, final boolean keepAlive10)
    {
        service.counters().refusal(status);
        writeResponseHead(ErrorResponses.of(status, close, keepAlive10));
        ctx.flush();
    }

    /** The connection cannot continue (a response cut off): the client sees it closed. */
    void abort()
    {
        closing = true;
        ctx.close();
    }

    private void respondAndClose(final HttpResponseStatus status)
    {
        sendError(status, true, false);
        closeAfterFlush();
    }

    private void closeAfterFlush()
    {
        closing = true;
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    InetAddress address()
    {
        return address;
    }

    long flowHash()
    {
        return flowHash;
    }

    long clientHash()
    {
        return clientHash;
    }

    BackendConnectionPool pool()
    {
        return pool;
    }
}
