package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.controlplane.config.HealthCheckType;
import io.fulcrum.controlplane.config.IpLiterals;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.resolver.NoopAddressResolverGroup;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Starts the network side of a check on the event loop and reports to a {@link CheckRun}. Nothing here blocks: each
 * step is a callback of the channel.
 */
final class Probes
{
    /** A health page is small; a body match looks no further than this. */
    static final int MAX_BODY = 64 * 1024;

    private final Transport transport;
    private final TunnelProbes tunnels;
    private volatile SslContext insecure;
    private volatile SslContext verifying;

    Probes(final Transport transport, final TunnelProbes tunnels)
    {
        this.transport = transport;
        this.tunnels = tunnels;
    }

    /** @param tunnel the way to the VIP for an encapsulated check; null for a direct one */
    void start(final EventLoop loop, final InetAddress address, final HealthCheckConfig check, final Tunnel tunnel,
        final CheckRun run)
    {
        run.startTimer(loop);
        final InetSocketAddress remote = new InetSocketAddress(address, check.port());
        if (tunnel != null)
        {
            switch (check.type())
            {
                case TCP -> tunnels.handshake(address, tunnel, check.port(), run, run::succeed);
                case HTTP, HTTPS -> tunnels.handshake(address, tunnel, check.port(), run, answered ->
                {
                    run.passed(answered);
                    http(loop, remote, check, run);
                });
                case UDP -> tunnels.exchange(address, tunnel, check, run);
            }
            return;
        }
        switch (check.type())
        {
            case TCP -> tcp(loop, remote, run);
            case HTTP, HTTPS -> http(loop, remote, check, run);
            case UDP -> udp(loop, remote, check, run);
        }
    }

    private void tcp(final EventLoop loop, final InetSocketAddress remote, final CheckRun run)
    {
        final ChannelFuture connect = stream(loop).handler(new ChannelInboundHandlerAdapter()).connect(remote);
        run.attach(connect.channel());
        connect.addListener(future ->
        {
            if (future.isSuccess())
            {
                run.succeed("connected");
            }
            else
            {
                run.fail(future.cause());
            }
        });
    }

    private void http(final EventLoop loop, final InetSocketAddress remote, final HealthCheckConfig check,
        final CheckRun run)
    {
        final SslContext ssl;
        try
        {
            ssl = check.type() == HealthCheckType.HTTPS ? sslContext(check.verify()) : null;
        }
        catch (final SSLException e)
        {
            run.fail(e);
            return;
        }
        final String hostHeader = hostHeader(remote, check);
        final ChannelFuture connect = stream(loop).handler(new ChannelInitializer<>()
        {
            @Override
            protected void initChannel(final Channel channel)
            {
                if (ssl != null)
                {
                    final SslHandler tls = ssl.newHandler(channel.alloc(), serverName(hostHeader), remote.getPort());
                    channel.pipeline().addLast(tls);
                }
                channel.pipeline().addLast(new HttpClientCodec(), new HttpCheckHandler(check, hostHeader, run));
            }
        }).connect(remote);
        run.attach(connect.channel());
        connect.addListener(future ->
        {
            if (!future.isSuccess())
            {
                run.fail(future.cause());
            }
        });
    }

    private void udp(final EventLoop loop, final InetSocketAddress remote, final HealthCheckConfig check,
        final CheckRun run)
    {
        final Bootstrap bootstrap = new Bootstrap().group(loop).channel(transport.datagramChannel())
            .resolver(NoopAddressResolverGroup.INSTANCE)
            .handler(new UdpCheckHandler(check, run));
        // Connected, so the kernel passes only the backend's replies and an ICMP port unreachable fails the read.
        final ChannelFuture connect = bootstrap.connect(remote);
        run.attach(connect.channel());
        connect.addListener(future ->
        {
            if (!future.isSuccess())
            {
                run.fail(future.cause());
                return;
            }
            run.stage("waiting for a reply");
            connect.channel().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(check.sendBytes()), remote))
                .addListener(written ->
                {
                    if (!written.isSuccess())
                    {
                        run.fail(written.cause());
                    }
                });
        });
    }

    private Bootstrap stream(final EventLoop loop)
    {
        // SO_LINGER 0 closes with a reset, as HAProxy does for its checks: thousands of checks a second would
        // otherwise leave as many sockets in TIME_WAIT here and use up the ephemeral ports.
        return new Bootstrap().group(loop).channel(transport.socketChannel())
            .resolver(NoopAddressResolverGroup.INSTANCE)
            .option(ChannelOption.SO_LINGER, 0)
            .option(ChannelOption.TCP_NODELAY, true);
    }

    /**
     * Builds the TLS contexts the checks will need, on the caller's thread: the first build loads the JDK's TLS
     * provider and trust store, which takes long enough to make checks sharing the event loop time out.
     */
    synchronized void prepareTls(final boolean verify) throws SSLException
    {
        if (verify && verifying == null)
        {
            // RFC 2818 section 3.1: the certificate must name the host (or address) the check asked for.
            verifying = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
        }
        if (!verify && insecure == null)
        {
            // Appliances check backends by address; their certificates name the service, rarely the address.
            insecure = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .endpointIdentificationAlgorithm(null).build();
        }
    }

    private SslContext sslContext(final boolean verify) throws SSLException
    {
        prepareTls(verify); // already built by HealthChecker.update, unless that failed
        return verify ? verifying : insecure;
    }

    /** RFC 9110 section 7.2: the configured host, or the address literal with the port unless it is the default. */
    static String hostHeader(final InetSocketAddress remote, final HealthCheckConfig check)
    {
        if (check.host().isPresent())
        {
            return check.host().get();
        }
        final InetAddress address = remote.getAddress();
        final String literal = address instanceof Inet6Address ? "[" + IpLiterals.format(address) + "]" :
            IpLiterals.format(address);
        final int defaultPort = check.type() == HealthCheckType.HTTPS ? 443 : 80;
        return remote.getPort() == defaultPort ? literal : literal + ":" + remote.getPort();
    }

    /** The host part of a Host header, for TLS server name indication and name verification. */
    private static String serverName(final String hostHeader)
    {
        if (hostHeader.startsWith("["))
        {
            final int end = hostHeader.indexOf(']');
            return end < 0 ? hostHeader : hostHeader.substring(1, end);
        }
        final int colon = hostHeader.lastIndexOf(':');
        return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
    }

    /** Sends one GET and decides on the status line, and the body when a substring is expected. */
    private static final class HttpCheckHandler extends SimpleChannelInboundHandler<HttpObject>
    {
        private final HealthCheckConfig check;
        private final String hostHeader;
        private final CheckRun run;
        private final byte[] expectedBody;
        private ByteArrayOutputStream body;
        private int status;

        HttpCheckHandler(final HealthCheckConfig check, final String hostHeader, final CheckRun run)
        {
            this.check = check;
            this.hostHeader = hostHeader;
            this.run = run;
            this.expectedBody = check.expectBody().map(text -> text.getBytes(StandardCharsets.UTF_8)).orElse(null);
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx)
        {
            // Over TLS the SslHandler holds this until the handshake is done.
            final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, check.path(),
                Unpooled.EMPTY_BUFFER);
            request.headers()
                .set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.USER_AGENT, "fulcrum-health-check")
                .set(HttpHeaderNames.ACCEPT, "*/*")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            run.stage("waiting for the response");
            ctx.writeAndFlush(request).addListener(written ->
            {
                if (!written.isSuccess())
                {
                    run.fail(written.cause());
                }
            });
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final HttpObject message)
        {
            if (run.isDone())
            {
                return;
            }
            if (message.decoderResult().isFailure())
            {
                run.fail("not an HTTP response: " + Failures.describe(message.decoderResult().cause()));
                return;
            }
            if (message instanceof final HttpResponse response)
            {
                status = response.status().code();
                if (!check.expectsStatus(status))
                {
                    run.fail("HTTP " + status);
                    return;
                }
                if (expectedBody == null)
                {
                    run.succeed("HTTP " + status);
                    return;
                }
                body = new ByteArrayOutputStream();
                run.stage("reading the body");
            }
            if (message instanceof final HttpContent content && body != null)
            {
                final ByteBuf bytes = content.content();
                final int take = Math.min(bytes.readableBytes(), MAX_BODY - body.size());
                final byte[] chunk = new byte[take];
                bytes.getBytes(bytes.readerIndex(), chunk);
                body.writeBytes(chunk);
                final boolean found = indexOf(body.toByteArray(), expectedBody) >= 0;
                if (found)
                {
                    run.succeed("HTTP " + status + ", body matches");
                }
                else if (message instanceof LastHttpContent || body.size() >= MAX_BODY)
                {
                    run.fail("HTTP " + status + ", body lacks '" + check.expectBody().orElseThrow() + "'");
                }
            }
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            run.fail(status == 0 ? "connection closed before a response" : "connection closed during the body");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            run.fail(cause);
        }
    }

    /** Decides on the first datagram back. */
    private static final class UdpCheckHandler extends SimpleChannelInboundHandler<DatagramPacket>
    {
        private final HealthCheckConfig check;
        private final CheckRun run;

        UdpCheckHandler(final HealthCheckConfig check, final CheckRun run)
        {
            this.check = check;
            this.run = run;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet)
        {
            judgeReply(check, ByteBufUtil.getBytes(packet.content()), run, "");
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            run.fail(cause);
        }
    }

    /** Decides a udp check on the first reply; {@code from} is added to the detail (" from 10.0.0.100:53 ..."). */
    static void judgeReply(final HealthCheckConfig check, final byte[] reply, final CheckRun run, final String from)
    {
        final int length = reply.length;
        if (check.expect().isEmpty())
        {
            run.succeed("reply of " + length + " bytes" + from);
            return;
        }
        final String text = new String(reply, StandardCharsets.ISO_8859_1);
        if (text.contains(check.expect().get()))
        {
            run.succeed("reply of " + length + " bytes" + from + " matches");
        }
        else
        {
            run.fail("reply of " + length + " bytes" + from + " lacks '" + printable(check.expect().get()) + "'");
        }
    }

    private static int indexOf(final byte[] haystack, final byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String printable(final String bytes)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < bytes.length(); i++)
        {
            final char c = bytes.charAt(i);
            if (c >= 0x20 && c < 0x7F)
            {
                text.append(c);
            }
            else
            {
                text.append(String.format("\\x%02x", (int)c));
            }
        }
        return text.toString();
    }
}
