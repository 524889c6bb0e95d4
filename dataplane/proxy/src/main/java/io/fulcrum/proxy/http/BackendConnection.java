package io.fulcrum.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;

/**
 * The last handler of a keep-alive connection to a backend: passes the response of the request in flight to the
 * exchange that sent it, times the backend's silence while a response is due (the backend response timeout, moved
 * on by every read, paused while the client is the slow side), and leaves its pool when the backend closes it while
 * idle. Anything a backend sends while no request is in flight breaks the connection: it is closed.
 */
final class BackendConnection extends ChannelInboundHandlerAdapter
{
    /** The exchange using the connection, on its event loop. */
    interface Listener
    {
        void responseHead(HttpResponse response);

        void responseContent(HttpContent content);

        /** The end of a read from the backend: time to flush to the client. */
        void backendReadComplete();

        void backendWritabilityChanged();

        /** The connection closed before the response was complete. */
        void backendClosed();

        void responseTimedOut();
    }

    private final BackendConnectionPool pool;
    private final long responseTimeoutNanos;
    private ChannelHandlerContext ctx;
    private DeadlineTimer responseTimer;
    private Listener listener;
    private boolean awaitingResponse;
    private boolean reused;
    private InetSocketAddress poolKey;
    private long idleSinceNanos;

    BackendConnection(final BackendConnectionPool pool, final long responseTimeoutNanos)
    {
        this.pool = pool;
        this.responseTimeoutNanos = responseTimeoutNanos;
    }

    static BackendConnection of(final Channel channel)
    {
        return channel.pipeline().get(BackendConnection.class);
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        this.responseTimer = new DeadlineTimer(ctx.executor(), this::responseTimerExpired, responseTimeoutNanos);
    }

    void attach(final Listener exchange)
    {
        listener = exchange;
    }

    /** The exchange is done with the connection: it goes back to the pool or is closed next. */
    void detach()
    {
        listener = null;
        awaitingResponse = false;
        responseTimer.disarm();
        ctx.channel().config().setAutoRead(true);
    }

    /** Through the HTTP encoder; a failed write closes the connection (exceptionCaught). */
    void write(final Object message)
    {
        ctx.write(message, ctx.voidPromise());
    }

    void flush()
    {
        ctx.flush();
    }

    boolean isWritable()
    {
        return ctx.channel().isWritable();
    }

    /** The request is written in full: the backend's silence from now on counts against the response timeout. */
    void awaitResponse()
    {
        awaitingResponse = true;
        responseTimer.armAt(System.nanoTime() + responseTimeoutNanos);
    }

    /** The client cannot take more: stop reading, and do not blame the backend's silence on it. */
    void pauseReading()
    {
        ctx.channel().config().setAutoRead(false);
        responseTimer.disarm();
    }

    void resumeReading()
    {
        ctx.channel().config().setAutoRead(true);
        if (awaitingResponse)
        {
            responseTimer.armAt(System.nanoTime() + responseTimeoutNanos);
        }
    }

    /** Closed without telling the exchange. */
    void close()
    {
        listener = null;
        ctx.close();
    }

    boolean isActive()
    {
        return ctx.channel().isActive();
    }

    /** It has served a response before: an early close may be the backend closing an idle connection. */
    boolean reused()
    {
        return reused;
    }

    void pooled(final InetSocketAddress key, final long nowNanos)
    {
        reused = true;
        poolKey = key;
        idleSinceNanos = nowNanos;
    }

    InetSocketAddress poolKey()
    {
        return poolKey;
    }

    long idleSinceNanos()
    {
        return idleSinceNanos;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (listener == null)
        {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (awaitingResponse)
        {
            responseTimer.armAt(System.nanoTime() + responseTimeoutNanos);
        }
        if (msg instanceof HttpResponse response)
        {
            listener.responseHead(response);
        }
        if (msg instanceof HttpContent content)
        {
            if (listener != null)
            {
                listener.responseContent(content);
            }
            else
            {
                content.release();
            }
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        if (listener != null)
        {
            listener.backendReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        if (listener != null)
        {
            listener.backendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        responseTimer.stop();
        final Listener exchange = listener;
        listener = null;
        if (exchange != null)
        {
            exchange.backendClosed();
        }
        else
        {
            pool.remove(this);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        ctx.close();
    }

    private void responseTimerExpired()
    {
        final Listener exchange = listener;
        if (awaitingResponse && exchange != null)
        {
            awaitingResponse = false;
            exchange.responseTimedOut();
        }
    }
}
