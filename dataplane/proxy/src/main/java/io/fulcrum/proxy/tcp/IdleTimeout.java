package io.fulcrum.proxy.tcp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * On the client connection: no byte read from the client nor written to it for the idle timeout closes it (and with
 * it the backend's, through the relay). Both directions pass through the client connection, so one timer covers both.
 */
final class IdleTimeout extends IdleStateHandler
{
    private final TcpProxyCounters counters;

    IdleTimeout(final long timeoutNanos, final TcpProxyCounters counters)
    {
        super(0, 0, timeoutNanos, TimeUnit.NANOSECONDS);
        this.counters = counters;
    }

    @Override
    protected void channelIdle(final ChannelHandlerContext ctx, final IdleStateEvent evt)
    {
        counters.idleTimeouts.increment();
        ctx.close();
    }
}
