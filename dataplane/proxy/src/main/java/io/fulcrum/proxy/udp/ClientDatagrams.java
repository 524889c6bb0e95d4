package io.fulcrum.proxy.udp;

import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.FlowHashes;
import io.fulcrum.proxy.pool.ProxyTarget;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * On one listening socket: a datagram from a client address with no session opens one ({@link UdpSession}: a backend
 * picked for that address and a socket connected to it); later datagrams from that address follow it. The session
 * table belongs to the socket's event loop, so it needs no lock; SO_REUSEPORT keeps a client on one socket.
 */
final class ClientDatagrams extends SimpleChannelInboundHandler<DatagramPacket>
{
    private final UdpProxySettings settings;
    private final BackendSet backends;
    private final UdpProxyCounters counters;
    private final ChannelGroup channels;
    private final Bootstrap sessions;
    private final Map<InetSocketAddress, UdpSession> byClient = new HashMap<>();

    /** @param sessions how a session's socket towards its backend is opened (transport and options) */
    ClientDatagrams(final UdpProxySettings settings, final BackendSet backends, final UdpProxyCounters counters,
        final ChannelGroup channels, final Bootstrap sessions)
    {
        this.settings = settings;
        this.backends = backends;
        this.counters = counters;
        this.channels = channels;
        this.sessions = sessions;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet)
    {
        counters.datagramsIn.increment();
        final InetSocketAddress client = packet.sender();
        UdpSession session = byClient.get(client);
        if (session == null)
        {
            final InetSocketAddress local = (InetSocketAddress)ctx.channel().localAddress();
            final ProxyTarget target = backends.pick(FlowHashes.flow(client, local, FlowHashes.UDP),
                FlowHashes.client(client));
            if (target == null)
            {
                counters.noBackend.increment();
                return;
            }
            session = new UdpSession(ctx.channel(), client, target, backends, counters, byClient);
            byClient.put(client, session);
            session.open(sessions.clone(ctx.channel().eventLoop()), settings.idleTimeout().toNanos(), channels);
        }
        session.send(packet.content().retain());
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        // An unconnected socket's error concerns one datagram, never the service: keep listening.
    }
}
