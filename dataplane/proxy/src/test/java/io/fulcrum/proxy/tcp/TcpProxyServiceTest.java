package io.fulcrum.proxy.tcp;

import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.OutlierDetector;
import io.fulcrum.proxy.pool.TestPools;
import io.fulcrum.proxy.transport.EventLoops;
import io.fulcrum.proxy.transport.TransportKind;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpProxyServiceTest
{
    private static final int MIB = 1 << 20;
    /** What a slow peer's socket may hold: fixed, so the kernel's autotuning cannot absorb the test's stream. */
    private static final int SMALL_BUFFER = 128 * 1024;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final BackendSet backends = new BackendSet();
    private TcpProxyService service;

    @AfterEach
    void closeAll() throws Exception
    {
        if (service != null)
        {
            service.stop();
        }
        for (int i = opened.size() - 1; i >= 0; i--)
        {
            opened.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void relaysAMebibyteBothWays(final TransportKind kind) throws Exception
    {
        final BackendLoad load = TestPools.publish(backends, TestPools::firstTakingWork,
            backend(BlockingServer.echo()).address()).getFirst().load();
        start(kind, settings());
        final byte[] sent = new byte[MIB];
        new Random(13).nextBytes(sent);

        final Socket client = connect();
        final CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> write(client, sent));
        final byte[] received = client.getInputStream().readNBytes(sent.length);
        writing.get(10, TimeUnit.SECONDS);

        assertArrayEquals(sent, received);
        assertEquals(MIB, service.counters().bytesIn());
        assertEquals(MIB, service.counters().bytesOut());
        assertEquals(Map.of(1, 1), service.counters().activeByBackend());
        assertEquals(1, load.active(), "the connection is open work for the schedulers");
        assertTrue(load.latencyNanos() > 0, "connect and first byte observed");
        client.close();
        await(() -> service.counters().active() == 0 && service.counters().activeByBackend().isEmpty() &&
            load.active() == 0, "both connections closed");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aClientFinReachesTheBackendWhichStillAnswers(final TransportKind kind) throws Exception
    {
        TestPools.publish(backends, TestPools::firstTakingWork, backend(new BlockingServer(socket ->
        {
            final byte[] request = socket.getInputStream().readAllBytes();
            socket.getOutputStream().write(("got " + new String(request, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII));
        })).address());
        start(kind, settings());

        final Socket client = connect();
        client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();

        assertEquals("got hello", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        await(() -> service.counters().active() == 0, "the proxy closed both connections");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aBackendFinReachesTheClientWhichStillSends(final TransportKind kind) throws Exception
    {
        final CompletableFuture<String> backendRead = new CompletableFuture<>();
        TestPools.publish(backends, TestPools::firstTakingWork, backend(new BlockingServer(socket ->
        {
            socket.getOutputStream().write("banner".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            backendRead.complete(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        })).address());
        start(kind, settings());

        final Socket client = connect();
        assertEquals("banner", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        client.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();

        assertEquals("bye", backendRead.get(10, TimeUnit.SECONDS));
        await(() -> service.counters().active() == 0, "the proxy closed both connections");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aSlowBackendStopsTheProxyReadingTheClient(final TransportKind kind) throws Exception
    {
        final int total = 64 * MIB;
        final CountDownLatch readNow = new CountDownLatch(1);
        final CompletableFuture<Long> backendChecksum = new CompletableFuture<>();
        TestPools.publish(backends, TestPools::firstTakingWork, backend(new BlockingServer(SMALL_BUFFER, socket ->
        {
            readNow.await();
            backendChecksum.complete(checksum(socket.getInputStream(), total));
        })).address());
        start(kind, settings());

        final Socket client = connect();
        final byte[] chunk = new byte[64 * 1024];
        new Random(7).nextBytes(chunk);
        final CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> writeRepeated(client, chunk, total));

        await(() -> service.counters().readPauses() > 0, "the proxy paused reading the client");
        awaitSteady(() -> service.counters().bytesIn());
        final long held = service.counters().bytesIn();
        assertTrue(held < 16 * MIB, "the proxy read " + held + " bytes of the client's " + total +
            " while the backend read none: it buffers instead of pushing back");

        readNow.countDown();
        assertEquals(sent.get(30, TimeUnit.SECONDS), backendChecksum.get(30, TimeUnit.SECONDS));
        assertEquals(total, service.counters().bytesIn());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aSlowClientStopsTheProxyReadingTheBackend(final TransportKind kind) throws Exception
    {
        final int total = 64 * MIB;
        final byte[] chunk = new byte[64 * 1024];
        new Random(11).nextBytes(chunk);
        final CompletableFuture<Long> sent = new CompletableFuture<>();
        TestPools.publish(backends, TestPools::firstTakingWork, backend(new BlockingServer(socket ->
            sent.complete(writeRepeated(socket, chunk, total)))).address());
        start(kind, settings());

        final Socket client = new Socket();
        opened.add(client);
        client.setReceiveBufferSize(SMALL_BUFFER);
        client.connect(service.localAddress(), 5_000);
        client.setSoTimeout(30_000);

        await(() -> service.counters().readPauses() > 0, "the proxy paused reading the backend");
        awaitSteady(() -> service.counters().bytesOut());
        final long held = service.counters().bytesOut();
        assertTrue(held < 16 * MIB, "the proxy read " + held + " bytes of the backend's " + total +
            " while the client read none: it buffers instead of pushing back");

        final long received = checksum(client.getInputStream(), total);
        assertEquals(sent.get(30, TimeUnit.SECONDS), received);
        assertEquals(total, service.counters().bytesOut());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aRefusedConnectIsRetriedOnAnotherBackend(final TransportKind kind) throws Exception
    {
        final BackendSet ejecting = new BackendSet(
            new OutlierDetector.Settings(1, Duration.ofSeconds(30), Duration.ofMinutes(5), 50), System::nanoTime);
        TestPools.publish(ejecting, TestPools::firstTakingWork, closedPort(), backend(BlockingServer.echo()).address());
        service = new TcpProxyService(settings(), ejecting);
        service.start(loops(kind));

        assertEchoes(connect(), "through the second backend");
        assertEquals(1, service.counters().connectFailures());
        assertEquals(1, service.counters().retries());
        assertEquals(1, ejecting.ejections().getFirst().backendId(), "the refusing backend is ejected");

        assertEchoes(connect(), "straight to the second backend");
        assertEquals(1, service.counters().connectFailures(), "the ejected backend is not tried again");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aConnectThatTimesOutIsRetriedOnAnotherBackend(final TransportKind kind) throws Exception
    {
        // A listener whose accept queue is full drops further SYNs: a connect to it hangs, as to a dead host.
        final ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        opened.add(full);
        for (int i = 0; i < 3; i++)
        {
            final java.nio.channels.SocketChannel filler = java.nio.channels.SocketChannel.open();
            opened.add(filler);
            filler.configureBlocking(false);
            filler.connect(full.getLocalSocketAddress());
        }
        final List<Candidate> candidates = TestPools.publish(backends, TestPools::firstTakingWork,
            (InetSocketAddress)full.getLocalSocketAddress(), backend(BlockingServer.echo()).address());
        start(kind, settings().withConnectTimeout(Duration.ofMillis(300)));

        assertEchoes(connect(), "through the second backend");
        assertEquals(1, service.counters().connectFailures());
        assertEquals(1, service.counters().retries());
        assertEquals(0, candidates.getFirst().load().active(), "the timed-out attempt is no open work");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void withoutABackendTheClientIsClosedAndCounted(final TransportKind kind) throws Exception
    {
        start(kind, settings());
        final Socket client = connect();
        assertEquals(-1, client.getInputStream().read());
        assertEquals(1, service.counters().noBackend());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void whenEveryRetryFailsTheClientIsClosed(final TransportKind kind) throws Exception
    {
        TestPools.publish(backends, TestPools::roundRobin, closedPort(), closedPort(), closedPort(), closedPort());
        start(kind, settings().withConnectRetries(2));
        final Socket client = connect();
        assertEquals(-1, client.getInputStream().read());
        assertEquals(3, service.counters().connectFailures());
        assertEquals(2, service.counters().retries());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aConnectionOverTheLimitIsRefusedAndCounted(final TransportKind kind) throws Exception
    {
        TestPools.publish(backends, TestPools::firstTakingWork, backend(BlockingServer.echo()).address());
        start(kind, settings().withMaxConnections(2));
        final Socket first = connect();
        assertEchoes(first, "first");
        assertEchoes(connect(), "second");
        assertEquals(Map.of(1, 2), service.counters().activeByBackend());

        // The reset may come before connect returns, or on the first read.
        assertThrows(SocketException.class, () -> connect().getInputStream().read(), "reset, not served");
        assertEquals(1, service.counters().refused());
        assertEquals(2, service.counters().accepted());

        first.close();
        await(() -> service.counters().active() == 1, "the first connection's slot is free");
        assertEchoes(connect(), "a new one fits again");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void theBackendReadsTheClientAddressFromAProxyV2Header(final TransportKind kind) throws Exception
    {
        final CompletableFuture<HAProxyMessage> header = new CompletableFuture<>();
        final EventLoops backendLoops = loops(kind);
        final Channel backend = new ServerBootstrap()
            .group(backendLoops.group())
            .channel(backendLoops.serverChannel())
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel channel)
                {
                    channel.pipeline().addLast(new HAProxyMessageDecoder(), new SimpleChannelInboundHandler<Object>()
                    {
                        @Override
                        protected void channelRead0(final ChannelHandlerContext ctx, final Object msg)
                        {
                            if (msg instanceof HAProxyMessage message)
                            {
                                header.complete(message.retain());
                            }
                            else
                            {
                                ctx.writeAndFlush(((ByteBuf)msg).retain());
                            }
                        }
                    });
                }
            })
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        opened.add(() -> backend.close().sync());
        TestPools.publish(backends, TestPools::firstTakingWork, (InetSocketAddress)backend.localAddress());
        start(kind, settings().withProxyProtocol(true));

        final Socket client = connect();
        assertEchoes(client, "the bytes after the header");
        final HAProxyMessage message = header.get(10, TimeUnit.SECONDS);
        try
        {
            assertEquals(HAProxyProtocolVersion.V2, message.protocolVersion());
            assertEquals(HAProxyCommand.PROXY, message.command());
            assertEquals(HAProxyProxiedProtocol.TCP4, message.proxiedProtocol());
            assertEquals("127.0.0.1", message.sourceAddress());
            assertEquals(client.getLocalPort(), message.sourcePort());
            assertEquals("127.0.0.1", message.destinationAddress());
            assertEquals(service.localAddress().getPort(), message.destinationPort());
        }
        finally
        {
            message.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aClientAbortClosesTheBackendConnection(final TransportKind kind) throws Exception
    {
        final CountDownLatch greeted = new CountDownLatch(1);
        final CompletableFuture<String> backendEnd = new CompletableFuture<>();
        TestPools.publish(backends, TestPools::firstTakingWork, backend(new BlockingServer(socket ->
        {
            final InputStream in = socket.getInputStream();
            in.readNBytes(2);
            greeted.countDown();
            try
            {
                backendEnd.complete(in.read() == -1 ? "eof" : "data");
            }
            catch (final SocketException e)
            {
                backendEnd.complete("reset");
            }
        })).address());
        start(kind, settings());

        final Socket client = connect();
        client.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
        assertTrue(greeted.await(10, TimeUnit.SECONDS));
        client.setSoLinger(true, 0);
        client.close();

        assertEquals("reset", backendEnd.get(10, TimeUnit.SECONDS), "the abort is passed on as an abort");
        await(() -> service.counters().active() == 0 && service.counters().activeByBackend().isEmpty(),
            "both connections closed");
        assertEquals(0, service.counters().backendFailures(), "a client's abort is not the backend's failure");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void aBackendDyingMidStreamResetsTheClientAndIsEjected(final TransportKind kind) throws Exception
    {
        final BackendSet ejecting = new BackendSet(
            new OutlierDetector.Settings(1, Duration.ofSeconds(30), Duration.ofMinutes(5), 50), System::nanoTime);
        final CountDownLatch clientRead = new CountDownLatch(1);
        TestPools.publish(ejecting, TestPools::firstTakingWork, backend(new BlockingServer(socket ->
        {
            socket.getOutputStream().write(new byte[1000]);
            clientRead.await();
            socket.setSoLinger(true, 0);
        })).address(), backend(BlockingServer.echo()).address());
        service = new TcpProxyService(settings(), ejecting);
        service.start(loops(kind));

        final Socket client = connect();
        assertEquals(1000, client.getInputStream().readNBytes(1000).length);
        clientRead.countDown();
        assertThrows(SocketException.class, () -> client.getInputStream().read(),
            "a reset, so the client cannot take a cut stream for a complete one");
        assertEquals(1, service.counters().backendFailures());
        assertEquals(1, ejecting.ejections().getFirst().backendId());
        assertEchoes(connect(), "the next client reaches the other backend");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void anIdleConnectionIsClosed(final TransportKind kind) throws Exception
    {
        final BlockingServer echo = backend(BlockingServer.echo());
        TestPools.publish(backends, TestPools::firstTakingWork, echo.address());
        start(kind, settings().withIdleTimeout(Duration.ofMillis(300)));
        final Socket client = connect();
        assertEchoes(client, "before going idle");
        assertEquals(-1, client.getInputStream().read());
        assertEquals(1, service.counters().idleTimeouts());
        await(() -> service.counters().activeByBackend().isEmpty(), "the backend connection closed too");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void stopClosesTheListenerThenTheConnections(final TransportKind kind) throws Exception
    {
        TestPools.publish(backends, TestPools::firstTakingWork, backend(BlockingServer.echo()).address());
        start(kind, settings());
        final InetSocketAddress address = service.localAddress();
        final Socket client = connect();
        assertEchoes(client, "before the stop");

        service.stop();
        assertEquals(-1, client.getInputStream().read());
        try (Socket late = new Socket())
        {
            assertThrows(IOException.class, () -> late.connect(address, 5_000));
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void listensOnAVipThisHostDoesNotHoldYet(final TransportKind kind) throws Exception
    {
        // 198.51.100.0/24 (TEST-NET-2) is on no interface here: without IP_FREEBIND the bind fails (EADDRNOTAVAIL).
        final InetSocketAddress vip = new InetSocketAddress(InetAddress.getByName("198.51.100.80"), 0);
        start(kind, TcpProxySettings.of("standby", vip));
        assertEquals(vip.getAddress(), service.localAddress().getAddress());
    }

    private void start(final TransportKind kind, final TcpProxySettings settings)
    {
        service = new TcpProxyService(settings, backends);
        service.start(loops(kind));
    }

    private EventLoops loops(final TransportKind kind)
    {
        final EventLoops loops = EventLoops.open(kind, List.of(-1, -1));
        opened.add(loops);
        return loops;
    }

    private static TcpProxySettings settings()
    {
        return TcpProxySettings.of("test", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .withConnectTimeout(Duration.ofSeconds(2));
    }

    private BlockingServer backend(final BlockingServer server)
    {
        opened.add(server);
        return server;
    }

    private Socket connect() throws IOException
    {
        final Socket socket = new Socket();
        opened.add(socket);
        socket.setSoTimeout(10_000);
        socket.connect(service.localAddress(), 5_000);
        return socket;
    }

    /** A port nothing listens on: a connect to it is refused. */
    private static InetSocketAddress closedPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return (InetSocketAddress)socket.getLocalSocketAddress();
        }
    }

    private static void assertEchoes(final Socket client, final String what) throws IOException
    {
        final byte[] ping = ("ping " + what).getBytes(StandardCharsets.US_ASCII);
        client.getOutputStream().write(ping);
        assertArrayEquals(ping, client.getInputStream().readNBytes(ping.length), what);
    }

    private static void write(final Socket socket, final byte[] bytes)
    {
        try
        {
            socket.getOutputStream().write(bytes);
        }
        catch (final IOException e)
        {
            throw new RuntimeException(e);
        }
    }

    /** Writes {@code chunk} over and over, {@code total} bytes in all; returns their CRC-32. */
    private static long writeRepeated(final Socket socket, final byte[] chunk, final int total)
    {
        final CRC32 crc = new CRC32();
        try
        {
            final OutputStream out = socket.getOutputStream();
            for (int written = 0; written < total; written += chunk.length)
            {
                out.write(chunk);
                crc.update(chunk);
            }
        }
        catch (final IOException e)
        {
            throw new RuntimeException(e);
        }
        return crc.getValue();
    }

    private static long checksum(final InputStream in, final int total) throws IOException
    {
        final CRC32 crc = new CRC32();
        final byte[] buffer = new byte[64 * 1024];
        int read = 0;
        while (read < total)
        {
            final int n = in.read(buffer, 0, Math.min(buffer.length, total - read));
            if (n < 0)
            {
                break;
            }
            crc.update(buffer, 0, n);
            read += n;
        }
        return crc.getValue();
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Waits until {@code value} stays the same over half a second (at most 10 s): the stream has stalled. */
    private static void awaitSteady(final LongSupplier value) throws InterruptedException
    {
        long last = value.getAsLong();
        int steady = 0;
        for (int i = 0; i < 100 && steady < 5; i++)
        {
            Thread.sleep(100);
            final long now = value.getAsLong();
            steady = now == last ? steady + 1 : 0;
            last = now;
        }
    }
}
