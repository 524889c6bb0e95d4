package io.fulcrum.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

/**
 * On the listener, ahead of Netty's acceptor: a client connection over the service's limit is reset before it is
 * registered with an event loop (a clear refusal the client sees at once, rather than a connection that hangs), and
 * counted. Every admitted connection is counted as active until it closes.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter
{
    private final int maxConnections;
    private final TcpProxyCounters counters;

    ConnectionLimit(final int maxConnections, final TcpProxyCounters counters)
    {
        this.maxConnections = maxConnections;
        this.counters = counters;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final Channel child = (Channel)msg;
        if (counters.active.incrementAndGet() > maxConnections && maxConnections > 0)
        {
            counters.active.decrementAndGet();
            counters.refused.increment();
            child.config().setOption(ChannelOption.SO_LINGER, 0);
            child.unsafe().closeForcibly();
            return;
        }
        counters.accepted.increment();
        child.closeFuture().addListener(closed -> counters.active.decrementAndGet());
        ctx.fireChannelRead(child);
    }
}
