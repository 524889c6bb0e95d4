package io.fulcrum.controlplane.health;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.controlplane.config.HealthCheckType;
import io.fulcrum.controlplane.config.HealthCheckVia;
import io.fulcrum.controlplane.config.StatusRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Real checks against real servers on the loopback interface, with short intervals and bounded waits. */
class HealthCheckerTest
{
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final List<Transition> transitions = new CopyOnWriteArrayList<>();
    private final AtomicReference<HealthChecker> checkerRef = new AtomicReference<>();
    private final List<AutoCloseable> servers = new ArrayList<>();
    private HealthChecker checker;

    @TempDir
    Path directory;

    /** A state change as the listener heard it, with the history the checker showed at that moment. */
    record Transition(String pool, InetAddress address, HealthState state, String reason, List<HealthStatus.Result> history)
    {
    }

    private HealthChecker checker()
    {
        return checker(true);
    }

    private HealthChecker checker(final boolean epoll)
    {
        checker = new HealthChecker((pool, address, state, reason) -> transitions.add(new Transition(pool, address, state,
            reason, checkerRef.get().status(pool, address).history())), Clock.systemUTC(), epoll);
        checkerRef.set(checker);
        return checker;
    }

    @AfterEach
    void stop() throws Exception
    {
        if (checker != null)
        {
            checker.close();
        }
        for (final AutoCloseable server : servers)
        {
            server.close();
        }
    }

    @Test
    void aTcpBackendGoesDownAfterFallFailuresAndBackUpAfterRiseSuccesses() throws Exception
    {
        final TcpListener server = listen(0);
        final int port = server.port();
        final HealthTarget target = new HealthTarget("web", LOOPBACK, check(HealthCheckType.TCP, port, 2, 3));
        checker().update(List.of(target));

        final Transition up = awaitTransition("web", HealthState.UP);
        assertEquals("first check passed: connected", up.reason());

        server.close();
        final Transition down = awaitTransition("web", HealthState.DOWN);
        assertEquals("3 consecutive checks failed, last: connection refused", down.reason());
        assertEquals(List.of(true, false, false, false), outcomes(down.history(), 4));

        listen(port);
        final Transition back = awaitTransition("web", HealthState.UP, 2);
        assertEquals("2 consecutive checks passed, last: connected", back.reason());
        assertEquals(List.of(false, true, true), outcomes(back.history(), 3));
        assertEquals(3, transitions.size(), transitions::toString);
    }

    @Test
    void whenEveryCheckFailsAtOnceNoBackendIsTakenDownUntilOnePassesAgain() throws Exception
    {
        final TcpListener first = listen(0);
        final TcpListener second = listen(0);
        final int secondPort = second.port();
        checker().update(List.of(new HealthTarget("a", LOOPBACK, check(HealthCheckType.TCP, first.port(), 2, 3)),
            new HealthTarget("b", LOOPBACK, check(HealthCheckType.TCP, secondPort, 2, 3))));
        awaitTransition("a", HealthState.UP);
        awaitTransition("b", HealthState.UP);

        first.close(); // both fail together, as when this appliance's own port is cut off
        second.close();
        eventually(() -> failuresInARow(checker.status("a", LOOPBACK).history()) >= 6
            && failuresInARow(checker.status("b", LOOPBACK).history()) >= 6);
        assertEquals(HealthState.UP, checker.status("a", LOOPBACK).state(), transitions::toString);
        assertEquals(HealthState.UP, checker.status("b", LOOPBACK).state(), transitions::toString);
        assertEquals(2, transitions.size(), transitions::toString);

        listen(secondPort); // b passes again: a's failures are its own from now on, counted from zero
        eventually(() -> checker.status("b", LOOPBACK).history().getLast().ok());
        final List<HealthStatus.Result> bHistory = checker.status("b", LOOPBACK).history();
        final java.time.Instant bBack = bHistory.get(bHistory.size() - passesInARow(bHistory)).at();
        final Transition down = awaitTransition("a", HealthState.DOWN);
        final long countedFailures = down.history().stream().filter(r -> !r.ok() && r.at().isAfter(bBack)).count();
        assertEquals(3, countedFailures,
            "a fell on the failures after b came back, not on those while everything failed: " + down.history());
        assertEquals(HealthState.UP, checker.status("b", LOOPBACK).state());
    }

    /** How many results at the end of {@code history} passed: the first of them is at size minus this. */
    private static int passesInARow(final List<HealthStatus.Result> history)
    {
        int passes = 0;
        for (int i = history.size() - 1; i >= 0 && history.get(i).ok(); i--)
        {
            passes++;
        }
        return passes;
    }

    private static int failuresInARow(final List<HealthStatus.Result> history)
    {
        int count = 0;
        for (int i = history.size() - 1; i >= 0 && !history.get(i).ok(); i--)
        {
            count++;
        }
        return count;
    }

    @Test
    void anIpv6BackendIsCheckedOnItsOwnAddress() throws Exception
    {
        final InetAddress v6 = InetAddress.ofLiteral("::1");
        final ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(v6, 0));
        servers.add(server);
        final HttpServer http = HttpServer.create(new InetSocketAddress(v6, 0), 50);
        final AtomicReference<String> hostSeen = new AtomicReference<>();
        http.createContext("/", exchange ->
        {
            hostSeen.set(exchange.getRequestHeaders().getFirst("Host"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        http.start();
        servers.add(() -> http.stop(0));
        checker().update(List.of(new HealthTarget("tcp6", v6, check(HealthCheckType.TCP, server.getLocalPort(), 2, 3)),
            new HealthTarget("http6", v6, check(HealthCheckType.HTTP, http.getAddress().getPort(), 2, 3))));

        assertEquals("first check passed: connected", awaitTransition("tcp6", HealthState.UP).reason());
        assertEquals("first check passed: HTTP 200", awaitTransition("http6", HealthState.UP).reason());
        assertEquals("[::1]:" + http.getAddress().getPort(), hostSeen.get());
    }

    @Test
    void anHttpCheckFollowsTheStatusAndTheBody() throws Exception
    {
        final AtomicInteger status = new AtomicInteger(200);
        final AtomicReference<String> body = new AtomicReference<>("all ok");
        final AtomicReference<String> hostSeen = new AtomicReference<>();
        final HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
        server.createContext("/healthz", exchange ->
        {
            hostSeen.set(exchange.getRequestHeaders().getFirst("Host"));
            final byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), bytes.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(bytes);
            }
        });
        server.start();
        servers.add(() -> server.stop(0));
        final HealthCheckConfig check = new HealthCheckConfig(HealthCheckType.HTTP, server.getAddress().getPort(),
            Duration.ofMillis(300), Duration.ofMillis(250), 2, 2, "/healthz", List.of(new StatusRange(200, 299)),
            Optional.of("ok"), Optional.of("www.example.com"), false, "", Optional.empty(), HealthCheckVia.DIRECT);
        checker().update(List.of(new HealthTarget("web", LOOPBACK, check)));

        assertEquals("first check passed: HTTP 200, body matches", awaitTransition("web", HealthState.UP).reason());
        assertEquals("www.example.com", hostSeen.get());

        status.set(503);
        assertEquals("2 consecutive checks failed, last: HTTP 503", awaitTransition("web", HealthState.DOWN).reason());

        status.set(200);
        body.set("degraded");
        eventually(() -> last("web").detail().equals("HTTP 200, body lacks 'ok'"));
        assertEquals(HealthState.DOWN, checker.status("web", LOOPBACK).state());

        body.set("ok again");
        assertEquals("2 consecutive checks passed, last: HTTP 200, body matches",
            awaitTransition("web", HealthState.UP, 2).reason());
    }

    @Test
    void anHttpsCheckAcceptsASelfSignedCertificateUnlessAskedToVerify() throws Exception
    {
        final HttpsServer server = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(selfSigned()));
        server.createContext("/", exchange ->
        {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        servers.add(() -> server.stop(0));
        final int port = server.getAddress().getPort();
        final HealthCheckConfig insecure = new HealthCheckConfig(HealthCheckType.HTTPS, port, Duration.ofMillis(2000),
            Duration.ofMillis(1500), 2, 1, "/", List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), false, "",
            Optional.empty(), HealthCheckVia.DIRECT);
        final HealthCheckConfig verifying = new HealthCheckConfig(HealthCheckType.HTTPS, port, Duration.ofMillis(2000),
            Duration.ofMillis(1500), 2, 1, "/", List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), true, "",
            Optional.empty(), HealthCheckVia.DIRECT);
        checker().update(List.of(new HealthTarget("insecure", LOOPBACK, insecure),
            new HealthTarget("verifying", LOOPBACK, verifying)));

        assertEquals("first check passed: HTTP 200", awaitTransition("insecure", HealthState.UP).reason());
        final Transition refused = awaitTransition("verifying", HealthState.DOWN);
        assertTrue(refused.reason().startsWith("1 consecutive checks failed, last: TLS: "), refused.reason());
    }

    @Test
    void aUdpCheckCountsAReplyThatHoldsTheExpectedText() throws Exception
    {
        final DatagramSocket echo = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        servers.add(echo);
        final Thread echoing = Thread.ofVirtual().start(() ->
        {
            final byte[] buffer = new byte[1500];
            while (!echo.isClosed())
            {
                try
                {
                    final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    echo.receive(packet);
                    echo.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
                }
                catch (final IOException e)
                {
                    return;
                }
            }
        });
        final int closedPort;
        try (DatagramSocket unused = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)))
        {
            closedPort = unused.getLocalPort();
        }
        checker().update(List.of(
            new HealthTarget("echo", LOOPBACK, udp(echo.getLocalPort(), "\0ping\n", Optional.of("ping"))),
            new HealthTarget("wrong-reply", LOOPBACK, udp(echo.getLocalPort(), "ping", Optional.of("pong"))),
            new HealthTarget("nobody", LOOPBACK, udp(closedPort, "ping", Optional.empty()))));

        assertEquals("first check passed: reply of 6 bytes matches", awaitTransition("echo", HealthState.UP).reason());
        assertEquals("1 consecutive checks failed, last: reply of 4 bytes lacks 'pong'",
            awaitTransition("wrong-reply", HealthState.DOWN).reason());
        assertEquals("1 consecutive checks failed, last: port unreachable (ICMP)",
            awaitTransition("nobody", HealthState.DOWN).reason());
        echo.close();
        echoing.join(TimeUnit.SECONDS.toMillis(5));
    }

    @Test
    void aServerThatAcceptsButNeverAnswersIsATimeout() throws Exception
    {
        final TcpListener silent = listen(0);
        silent.holdConnections();
        final HealthCheckConfig check = new HealthCheckConfig(HealthCheckType.HTTP, silent.port(), Duration.ofMillis(300),
            Duration.ofMillis(100), 2, 1, "/", List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), false, "",
            Optional.empty(), HealthCheckVia.DIRECT);
        checker().update(List.of(new HealthTarget("web", LOOPBACK, check)));

        final Transition down = awaitTransition("web", HealthState.DOWN);
        assertEquals("1 consecutive checks failed, last: timeout after 100 ms waiting for the response", down.reason());
        assertTrue(down.history().getLast().millis() >= 100, down.history()::toString);
    }

    @Test
    void anUpdateKeepsAnUnchangedTargetsStateAndHistoryAndStopsARemovedOne() throws Exception
    {
        final TcpListener kept = listen(0);
        final TcpListener removed = listen(0);
        final HealthTarget keptTarget = new HealthTarget("kept", LOOPBACK, check(HealthCheckType.TCP, kept.port(), 2, 3));
        final HealthTarget removedTarget = new HealthTarget("removed", LOOPBACK,
            check(HealthCheckType.TCP, removed.port(), 2, 3));
        checker().update(List.of(keptTarget, removedTarget));
        awaitTransition("kept", HealthState.UP);
        awaitTransition("removed", HealthState.UP);
        final HealthStatus.Result firstResult = checker.status("kept", LOOPBACK).history().getFirst();

        checker.update(List.of(keptTarget));
        final int acceptedAtRemoval = removed.accepted();

        assertNull(checker.status("removed", LOOPBACK));
        assertEquals(HealthState.UP, checker.status("kept", LOOPBACK).state());
        eventually(() -> checker.status("kept", LOOPBACK).history().size() >= 5);
        assertEquals(firstResult, checker.status("kept", LOOPBACK).history().getFirst());
        // At most the connection already on its way when the target was removed.
        assertTrue(removed.accepted() <= acceptedAtRemoval + 1, () -> removed.accepted() + " > " + acceptedAtRemoval);
        assertEquals(2, transitions.size(), transitions::toString);
    }

    @Test
    void aChangedCheckKeepsTheTargetsStateAndTakesEffect() throws Exception
    {
        final TcpListener server = listen(0);
        checker().update(List.of(new HealthTarget("web", LOOPBACK, check(HealthCheckType.TCP, server.port(), 2, 3))));
        awaitTransition("web", HealthState.UP);
        final TcpListener moved = listen(0);

        checker.update(List.of(new HealthTarget("web", LOOPBACK, check(HealthCheckType.TCP, moved.port(), 2, 3))));

        assertEquals(HealthState.UP, checker.status("web", LOOPBACK).state());
        eventually(() -> moved.accepted() >= 2);
        assertEquals(1, transitions.size(), transitions::toString);
    }

    @Test
    void twoThousandTargetsAreCheckedFromOneThread() throws Exception
    {
        final List<TcpListener> listeners = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            listeners.add(listen(0));
        }
        final List<HealthTarget> targets = new ArrayList<>();
        for (int i = 0; i < 2000; i++)
        {
            final HealthCheckConfig check = new HealthCheckConfig(HealthCheckType.TCP, listeners.get(i % 4).port(),
                Duration.ofSeconds(1), Duration.ofMillis(500), 2, 3, "/", List.of(StatusRange.of(200)), Optional.empty(),
                Optional.empty(), false, "", Optional.empty(), HealthCheckVia.DIRECT);
            targets.add(new HealthTarget("pool-" + i, LOOPBACK, check));
        }
        checker().update(targets);

        eventually(() ->
        {
            for (final HealthTarget target : targets)
            {
                if (checker.status(target.pool(), LOOPBACK).state() != HealthState.UP)
                {
                    return false;
                }
            }
            return true;
        }, Duration.ofSeconds(30));

        assertEquals(2000, transitions.size());
        assertEquals(1, checker.threadsStarted());
        assertEquals(1, Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> thread.getName().startsWith("fulcrum-health")).count());
        assertEquals("epoll", checker.transportName());
        int accepted = 0;
        for (final TcpListener listener : listeners)
        {
            accepted += listener.accepted();
        }
        assertTrue(accepted >= 2000, "accepted " + accepted);
    }

    @Test
    void theNioFallbackRunsTheSameChecks() throws Exception
    {
        final TcpListener server = listen(0);
        final DatagramSocket silentUdp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        servers.add(silentUdp);
        final HttpServer http = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
        http.createContext("/", exchange ->
        {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        http.start();
        servers.add(() -> http.stop(0));
        checker(false).update(List.of(new HealthTarget("tcp", LOOPBACK, check(HealthCheckType.TCP, server.port(), 2, 3)),
            new HealthTarget("http", LOOPBACK, check(HealthCheckType.HTTP, http.getAddress().getPort(), 2, 1)),
            new HealthTarget("udp", LOOPBACK, udp(silentUdp.getLocalPort(), "ping", Optional.empty()))));

        assertEquals("nio", checker.transportName());
        assertEquals("first check passed: connected", awaitTransition("tcp", HealthState.UP).reason());
        assertEquals("1 consecutive checks failed, last: HTTP 204", awaitTransition("http", HealthState.DOWN).reason());
        assertEquals("1 consecutive checks failed, last: timeout after 250 ms waiting for a reply",
            awaitTransition("udp", HealthState.DOWN).reason());
    }

    @Test
    void closingStopsTheEventLoopThread() throws Exception
    {
        final TcpListener server = listen(0);
        checker().update(List.of(new HealthTarget("web", LOOPBACK, check(HealthCheckType.TCP, server.port(), 2, 3))));
        awaitTransition("web", HealthState.UP);

        checker.close();

        eventually(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(thread -> thread.getName().startsWith("fulcrum-health") && thread.isAlive()));
    }

    private static HealthCheckConfig check(final HealthCheckType type, final int port, final int rise, final int fall)
    {
        return new HealthCheckConfig(type, port, Duration.ofMillis(300), Duration.ofMillis(250), rise, fall, "/",
            List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), false, "", Optional.empty(), HealthCheckVia.DIRECT);
    }

    private static HealthCheckConfig udp(final int port, final String send, final Optional<String> expect)
    {
        return new HealthCheckConfig(HealthCheckType.UDP, port, Duration.ofMillis(300), Duration.ofMillis(250), 2, 1, "/",
            List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), false, send, expect, HealthCheckVia.DIRECT);
    }

    private HealthStatus.Result last(final String pool)
    {
        final List<HealthStatus.Result> history = checker.status(pool, LOOPBACK).history();
        return history.isEmpty() ? new HealthStatus.Result(java.time.Instant.EPOCH, false, 0, "") : history.getLast();
    }

    private static List<Boolean> outcomes(final List<HealthStatus.Result> history, final int last)
    {
        final List<Boolean> outcomes = new ArrayList<>();
        for (final HealthStatus.Result result : history.subList(Math.max(0, history.size() - last), history.size()))
        {
            outcomes.add(result.ok());
        }
        return outcomes;
    }

    private Transition awaitTransition(final String pool, final HealthState state) throws InterruptedException
    {
        return awaitTransition(pool, state, 1);
    }

    /** The {@code nth} transition of {@code pool} to {@code state}. */
    private Transition awaitTransition(final String pool, final HealthState state, final int nth)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline)
        {
            int seen = 0;
            for (final Transition transition : transitions)
            {
                if (transition.pool().equals(pool) && transition.state() == state && ++seen == nth)
                {
                    return transition;
                }
            }
            Thread.sleep(10);
        }
        return fail("no transition of " + pool + " to " + state + " (#" + nth + ") within " + WAIT + "; saw " +
            transitions + "; history " + (checker.status(pool, LOOPBACK) == null ? "none" :
            checker.status(pool, LOOPBACK).history()));
    }

    private void eventually(final BooleanSupplier condition) throws InterruptedException
    {
        eventually(condition, WAIT);
    }

    private void eventually(final BooleanSupplier condition, final Duration wait) throws InterruptedException
    {
        final long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("condition not met within " + wait + "; transitions " + transitions.size());
            }
            Thread.sleep(10);
        }
    }

    private TcpListener listen(final int port) throws IOException
    {
        final TcpListener listener = new TcpListener(port);
        servers.add(listener);
        return listener;
    }

    /** A self-signed certificate from keytool, the JDK's own tool, as a backend's TLS setup would have. */
    private SSLContext selfSigned() throws Exception
    {
        final Path keystore = directory.resolve("backend.p12");
        final Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
            "-keypass", "changeit", "-alias", "backend", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=backend.test", "-validity", "2")
            .redirectErrorStream(true).start();
        final String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, keytool.exitValue(), output);
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore))
        {
            keys.load(in, "changeit".toCharArray());
        }
        final KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        return context;
    }

    /** A TCP server on the loopback address that accepts and closes, or accepts and holds, every connection. */
    private static final class TcpListener implements AutoCloseable
    {
        private final ServerSocket socket;
        private final AtomicInteger accepted = new AtomicInteger();
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private volatile boolean hold;

        TcpListener(final int port) throws IOException
        {
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port), 4096);
            Thread.ofPlatform().daemon().name("listener-" + socket.getLocalPort()).start(this::accept);
        }

        int port()
        {
            return socket.getLocalPort();
        }

        int accepted()
        {
            return accepted.get();
        }

        void holdConnections()
        {
            hold = true;
        }

        private void accept()
        {
            while (!socket.isClosed())
            {
                try
                {
                    final Socket connection = socket.accept();
                    accepted.incrementAndGet();
                    if (hold)
                    {
                        held.add(connection);
                    }
                    else
                    {
                        connection.close();
                    }
                }
                catch (final SocketException e)
                {
                    return;
                }
                catch (final IOException e)
                {
                    // the checker reset the connection before accept: go on
                }
            }
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
            for (final Socket connection : held)
            {
                connection.close();
            }
        }
    }
}
