package io.fulcrum.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.LongAdder;

/**
 * Moves what one side of a proxied connection reads to the other side: one relay on the client connection (towards
 * the backend), one on the backend connection (towards the client). Both channels run on the same event loop.
 *
 * <ul>
 * <li>Backpressure: when the other side's outbound buffer passes its high water mark, this side stops reading; when
 * it drains below the low mark, the relay on the other side resumes this one.</li>
 * <li>Half-close: a FIN from this side is passed on as a shutdown of the other side's output once what was read
 * before it is written; the connections close when both directions have ended.</li>
 * <li>Abort: an error on this side (a reset, above all) resets the other side, so an aborted client aborts the backend
 * connection and a backend failing mid-stream resets the client.</li>
 * </ul>
 */
final class Relay extends ChannelInboundHandlerAdapter
{
    /** Told when the side this relay reads from fails mid-stream. */
    interface Failure
    {
        void failed(Throwable cause);
    }

    private final Channel peer;
    private final LongAdder bytesRead;
    private final LongAdder readPauses;
    private final Failure failure;
    private boolean failed;

    Relay(final Channel peer, final LongAdder bytesRead, final LongAdder readPauses, final Failure failure)
    {
        this.peer = peer;
        this.bytesRead = bytesRead;
        this.readPauses = readPauses;
        this.failure = failure;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (!peer.isActive())
        {
            ReferenceCountUtil.release(msg);
            return;
        }
        bytesRead.add(((ByteBuf)msg).readableBytes());
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable() && ctx.channel().config().isAutoRead())
        {
            ctx.channel().config().setAutoRead(false);
            readPauses.increment();
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        // This side drained: the other side may be read again.
        if (ctx.channel().isWritable())
        {
            resumeReading(peer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt)
    {
        if (evt == ChannelInputShutdownEvent.INSTANCE)
        {
            final DuplexChannel self = (DuplexChannel)ctx.channel();
            final DuplexChannel other = (DuplexChannel)peer;
            // Writes complete in order: once the empty buffer is written, everything read before the FIN is too.
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written ->
            {
                if (!written.isSuccess())
                {
                    closeBoth(ctx);
                    return;
                }
                other.shutdownOutput().addListener(shut ->
                {
                    if (!shut.isSuccess() || self.isOutputShutdown())
                    {
                        closeBoth(ctx);
                    }
                });
            });
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        // This side is gone: the other side still gets what it is owed, then a close.
        if (peer.isActive())
        {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (!failed)
        {
            failed = true;
            failure.failed(cause);
        }
        if (peer.isActive())
        {
            peer.config().setOption(ChannelOption.SO_LINGER, 0);
            peer.close();
        }
        ctx.close();
    }

    /**
     * Turns auto-read back on, unless the channel's input has ended: there is nothing left to read, and Netty's epoll
     * transport fails the read request (epoll_ctl ENOENT) and closes the channel, output and all.
     */
    static void resumeReading(final Channel channel)
    {
        if (!((DuplexChannel)channel).isInputShutdown())
        {
            channel.config().setAutoRead(true);
        }
    }

    private void closeBoth(final ChannelHandlerContext ctx)
    {
        ctx.close();
        peer.close();
    }
}
