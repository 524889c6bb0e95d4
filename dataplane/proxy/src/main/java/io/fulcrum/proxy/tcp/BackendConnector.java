package io.fulcrum.proxy.tcp;

import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.ProxyTarget;
import io.fulcrum.proxy.transport.EventLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the backend connection of an accepted client: on the client's event loop (so the two relays never cross
 * threads), within the connect timeout, and on another backend after a failure, up to the retry budget. Each attempt
 * counts as open work on its backend ({@link BackendLoad#begin}) until the connection closes or the attempt fails,
 * and is reported to passive health. Once connected it writes the PROXY v2 header if the service wants one and puts
 * the two {@link Relay}s in place.
 */
final class BackendConnector
{
    private final TcpProxySettings settings;
    private final BackendSet backends;
    private final TcpProxyCounters counters;
    private final ChannelGroup channels;
    private final Bootstrap bootstrap;

    BackendConnector(final TcpProxySettings settings, final BackendSet backends, final TcpProxyCounters counters,
        final ChannelGroup channels, final EventLoops loops)
    {
        this.settings = settings;
        this.backends = backends;
        this.counters = counters;
        this.channels = channels;
        this.bootstrap = new Bootstrap()
            .channel(loops.socketChannel())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)Math.min(Integer.MAX_VALUE,
                settings.connectTimeout().toMillis()))
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true);
    }

    void connect(final SocketChannel client, final FrontendHandler frontend, final ProxyTarget target,
        final long flowHash, final long clientHash)
    {
        new Attempts(client, frontend, flowHash, clientHash).connect(target);
    }

    /** The attempts for one client connection. */
    private final class Attempts
    {
        private final SocketChannel client;
        private final FrontendHandler frontend;
        private final long flowHash;
        private final long clientHash;
        private final List<ProxyTarget> tried = new ArrayList<>(2);

        Attempts(final SocketChannel client, final FrontendHandler frontend, final long flowHash,
            final long clientHash)
        {
            this.client = client;
            this.frontend = frontend;
            this.flowHash = flowHash;
            this.clientHash = clientHash;
        }

        void connect(final ProxyTarget target)
        {
            tried.add(target);
            final long startNanos = System.nanoTime();
            target.candidate().load().begin();
            final ChannelFuture connected = bootstrap.clone(client.eventLoop())
                .handler(new FirstByteLatency(target.candidate().load(), startNanos))
                .connect(target.address());
            channels.add(connected.channel());
            // A client that leaves while its backend is still being connected takes the attempt with it.
            client.closeFuture().addListener(closed ->
            {
                if (!connected.isDone())
                {
                    connected.channel().close();
                }
            });
            connected.addListener(done -> finished(connected, target));
        }

        private void finished(final ChannelFuture connected, final ProxyTarget target)
        {
            final BackendLoad load = target.candidate().load();
            final Channel backend = connected.channel();
            if (connected.isSuccess())
            {
                backends.reportSuccess(target);
                counters.backendOpened(target.backendId());
                backend.closeFuture().addListener(closed ->
                {
                    load.end();
                    counters.backendClosed(target.backendId());
                });
                if (client.isActive())
                {
                    relay(backend, target);
                }
                else
                {
                    backend.close();
                }
                return;
            }
            load.end();
            if (!client.isActive())
            {
                return;
            }
            counters.connectFailures.increment();
            backends.reportFailure(target);
            final ProxyTarget next = tried.size() > settings.connectRetries() ? null :
                backends.pickOther(flowHash, clientHash, tried);
            if (next == null)
            {
                client.close();
                return;
            }
            counters.retries.increment();
            connect(next);
        }

        private void relay(final Channel backend, final ProxyTarget target)
        {
            if (settings.proxyProtocol())
            {
                // The encoder runs once, for the header, while the write passes through it on this event loop.
                backend.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
                backend.writeAndFlush(proxyHeader(client.remoteAddress(), client.localAddress()));
                backend.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
            }
            backend.pipeline().addLast(new Relay(client, counters.bytesOut, counters.readPauses, cause ->
            {
                counters.backendFailures.increment();
                backends.reportFailure(target);
            }));
            Relay.resumeReading(backend);
            Relay.resumeReading(client);
            frontend.relayTo(new Relay(backend, counters.bytesIn, counters.readPauses, cause -> { }));
        }
    }

    /**
     * A PROXY protocol v2 header (HAProxy's proxy-protocol.txt, section 2.2): the client's address as the source, the
     * VIP it connected to as the destination; an IPv4 address beside an IPv6 one is written IPv4-mapped.
     */
    static HAProxyMessage proxyHeader(final InetSocketAddress client, final InetSocketAddress vip)
    {
        final boolean v4 = client.getAddress() instanceof Inet4Address && vip.getAddress() instanceof Inet4Address;
        return new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
            v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6, literal(client.getAddress(), v4),
            literal(vip.getAddress(), v4), client.getPort(), vip.getPort());
    }

    private static String literal(final InetAddress address, final boolean v4)
    {
        if (!v4 && address instanceof Inet4Address)
        {
            return "::ffff:" + address.getHostAddress();
        }
        final String text = address.getHostAddress();
        final int scope = text.indexOf('%');
        return scope < 0 ? text : text.substring(0, scope);
    }
}
