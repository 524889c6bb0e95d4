package io.fulcrum.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Times a client connection between requests. It sits before the HTTP decoder, so it sees every read: the
 * request-header timeout runs from the accept, or from the first byte of a later request, until the connection
 * starts answering that request (slowloris: a client that trickles its headers is cut off however often it sends);
 * the keep-alive idle timeout runs while the connection waits for the next request. Nothing runs while a request is
 * being answered: the backend response timeout covers that. An expiry is fired as a {@link RequestTimeout} user event
 * for {@link ClientConnection} to act on.
 */
final class RequestTimer extends ChannelInboundHandlerAdapter
{
    private enum Phase
    {
        /** A request's headers are due. */
        HEADERS,
        /** A request is being read or answered. */
        ANSWERING,
        /** Its body is in; bytes now are the next request's. */
        RECEIVED,
        /** Between requests. */
        IDLE
    }

    private final long headerNanos;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private DeadlineTimer timer;
    private Phase phase = Phase.HEADERS;
    private boolean bytesSeen;
    private long nextRequestNanos;

    RequestTimer(final HttpTimeouts timeouts)
    {
        this.headerNanos = timeouts.requestHeader().toNanos();
        this.idleNanos = timeouts.clientIdle().toNanos();
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        this.timer = new DeadlineTimer(ctx.executor(), this::expired, headerNanos);
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        timer.armAt(System.nanoTime() + headerNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        switch (phase)
        {
            case IDLE ->
            {
                phase = Phase.HEADERS;
                bytesSeen = true;
                timer.armAt(System.nanoTime() + headerNanos);
            }
            case HEADERS -> bytesSeen = true;
            case RECEIVED ->
            {
                if (!bytesSeen)
                {
                    bytesSeen = true;
                    nextRequestNanos = System.nanoTime();
                }
            }
            case ANSWERING ->
            {
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        timer.stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        timer.stop();
    }

    /** The connection starts answering a request: its headers are in. */
    void requestStarted()
    {
        phase = Phase.ANSWERING;
        timer.disarm();
    }

    /** The request is read to its end; what the client sends now belongs to the next one. */
    void requestReceived()
    {
        phase = Phase.RECEIVED;
        bytesSeen = false;
    }

    /** The answer is complete and the connection stays open. */
    void awaitNextRequest()
    {
        if (phase == Phase.RECEIVED && bytesSeen)
        {
            phase = Phase.HEADERS;
            timer.armAt(nextRequestNanos + headerNanos);
        }
        else
        {
            phase = Phase.IDLE;
            bytesSeen = false;
            timer.armAt(System.nanoTime() + idleNanos);
        }
    }

    private void expired()
    {
        ctx.fireUserEventTriggered(phase == Phase.HEADERS && bytesSeen ? RequestTimeout.HEADERS : RequestTimeout.IDLE);
    }
}
