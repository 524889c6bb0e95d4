package io.fulcrum.proxy.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * On a session's socket towards its backend: no datagram either way (a read is a reply, a completed write a client's
 * datagram) for the idle timeout ends the session.
 */
final class SessionIdle extends IdleStateHandler
{
    private final UdpProxyCounters counters;

    SessionIdle(final long timeoutNanos, final UdpProxyCounters counters)
    {
        super(0, 0, timeoutNanos, TimeUnit.NANOSECONDS);
        this.counters = counters;
    }

    @Override
    protected void channelIdle(final ChannelHandlerContext ctx, final IdleStateEvent evt)
    {
        counters.sessionTimeouts.increment();
        ctx.close();
    }
}
