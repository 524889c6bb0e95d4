package io.fulcrum.proxy.tcp;

import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * On a backend connection until its first read: records connect plus first byte, the latency that
 * {@code least-response-time} weighs for TCP, then takes itself out of the pipeline.
 */
final class FirstByteLatency extends ChannelInboundHandlerAdapter
{
    private final BackendLoad load;
    private final long connectStartNanos;

    FirstByteLatency(final BackendLoad load, final long connectStartNanos)
    {
        this.load = load;
        this.connectStartNanos = connectStartNanos;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final long now = System.nanoTime();
        load.observe(now - connectStartNanos, now);
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }
}
