package io.fulcrum.proxy.udp;

import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.ProxyTarget;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One client address's session: a datagram socket connected to the backend picked for it (so the kernel filters
 * what the backend sends and reports its ICMP errors), the handler on that socket sending replies back to the client
 * from the listening socket. It is open work on its backend ({@link BackendLoad#begin}) until it ends; the time to the
 * first reply is the latency it reports. An error from the backend's side (port unreachable) ends the session and
 * counts against the backend's passive health; the client's next datagram opens a new one.
 */
final class UdpSession extends ChannelInboundHandlerAdapter
{
    /** Datagrams held while the socket towards the backend is being opened. */
    private static final int MAX_PENDING = 64;

    private final Channel listener;
    private final InetSocketAddress client;
    private final ProxyTarget target;
    private final BackendSet backends;
    private final UdpProxyCounters counters;
    private final Map<InetSocketAddress, UdpSession> byClient;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(1);
    private Channel backend;
    private long firstSendNanos;
    private boolean answered;

    UdpSession(final Channel listener, final InetSocketAddress client, final ProxyTarget target,
        final BackendSet backends, final UdpProxyCounters counters, final Map<InetSocketAddress, UdpSession> byClient)
    {
        this.listener = listener;
        this.client = client;
        this.target = target;
        this.backends = backends;
        this.counters = counters;
        this.byClient = byClient;
    }

    void open(final Bootstrap bootstrap, final long idleNanos, final ChannelGroup channels)
    {
        counters.sessions.increment();
        counters.activeSessions.incrementAndGet();
        final BackendLoad load = target.candidate().load();
        load.begin();
        final ChannelFuture connected = bootstrap
            .handler(new ChannelInitializer<>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    channel.pipeline().addLast(new SessionIdle(idleNanos, counters), UdpSession.this);
                }
            })
            .connect(target.address());
        backend = connected.channel();
        channels.add(backend);
        backend.closeFuture().addListener(closed ->
        {
            byClient.remove(client, this);
            load.end();
            counters.activeSessions.decrementAndGet();
            releasePending();
        });
        connected.addListener(done ->
        {
            if (!connected.isSuccess())
            {
                failed();
                return;
            }
            while (!pending.isEmpty())
            {
                backend.write(pending.poll(), backend.voidPromise());
            }
            backend.flush();
        });
    }

    /** A datagram from the client, towards the backend. */
    void send(final ByteBuf datagram)
    {
        if (firstSendNanos == 0)
        {
            firstSendNanos = System.nanoTime();
        }
        if (backend.isActive())
        {
            backend.writeAndFlush(datagram, backend.voidPromise());
        }
        else if (backend.isOpen() && pending.size() < MAX_PENDING)
        {
            pending.add(datagram);
        }
        else
        {
            datagram.release();
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf reply = msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf)msg;
        if (!answered)
        {
            answered = true;
            final long now = System.nanoTime();
            target.candidate().load().observe(now - firstSendNanos, now);
            backends.reportSuccess(target);
        }
        if (!listener.isActive())
        {
            ReferenceCountUtil.release(msg);
            return;
        }
        counters.datagramsOut.increment();
        listener.write(new DatagramPacket(reply, client), listener.voidPromise());
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        listener.flush();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        failed();
    }

    private void failed()
    {
        if (backend.isOpen())
        {
            counters.backendErrors.increment();
            backends.reportFailure(target);
            backend.close();
        }
    }

    private void releasePending()
    {
        while (!pending.isEmpty())
        {
            pending.poll().release();
        }
    }
}
