package io.fulcrum.proxy.tcp;

import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.FlowHashes;
import io.fulcrum.proxy.pool.ProxyTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * The first handler of an accepted client connection: picks its backend and hands it to the {@link BackendConnector},
 * which puts a {@link Relay} in this handler's place once the backend connection is up. Auto-read is off until then,
 * so little arrives in between; what does (epoll reads what came with a client's early FIN even so) is kept and
 * replayed to the relay, with the FIN.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter
{
    private final BackendSet backends;
    private final BackendConnector connector;
    private final TcpProxyCounters counters;
    private final List<Object> early = new ArrayList<>(1);
    private ChannelHandlerContext context;
    private boolean inputShutdown;

    FrontendHandler(final BackendSet backends, final BackendConnector connector, final TcpProxyCounters counters)
    {
        this.backends = backends;
        this.connector = connector;
        this.counters = counters;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        context = ctx;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        final SocketChannel client = (SocketChannel)ctx.channel();
        final long flowHash = FlowHashes.flow(client.remoteAddress(), client.localAddress(), FlowHashes.TCP);
        final long clientHash = FlowHashes.client(client.remoteAddress());
        final ProxyTarget target = backends.pick(flowHash, clientHash);
        if (target == null)
        {
            counters.noBackend.increment();
            ctx.close();
            return;
        }
        connector.connect(client, this, target, flowHash, clientHash);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        early.add(msg);
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (evt == ChannelInputShutdownEvent.INSTANCE)
        {
            inputShutdown = true;
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // The client reset or failed while its backend connection was still being opened.
        ctx.close();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx)
    {
        for (final Object msg : early)
        {
            ReferenceCountUtil.release(msg);
        }
        early.clear();
    }

    /** The backend is connected: {@code relay} takes over, starting with what arrived before it. */
    void relayTo(final Relay relay)
    {
        final ChannelPipeline pipeline = context.pipeline();
        final List<Object> pending = List.copyOf(early);
        early.clear();
        pipeline.replace(this, "relay", relay);
        for (final Object msg : pending)
        {
            pipeline.fireChannelRead(msg);
        }
        if (!pending.isEmpty())
        {
            pipeline.fireChannelReadComplete();
        }
        if (inputShutdown)
        {
            pipeline.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }
}
