package io.fulcrum.controlplane.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.sun.net.httpserver.HttpServer;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.metrics.ApplianceMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An appliance with only proxied services: no interface, no packet data plane ports; the tcp service's listener
 * relays to the backends of its pool and follows operator actions and reloads. Loopback only.
 */
final class ProxiedAppliancesTest
{
    @TempDir
    Path directory;

    private final List<AutoCloseable> started = new ArrayList<>();
    private final StringWriter events = new StringWriter();

    @AfterEach
    void stop() throws Exception
    {
        for (final AutoCloseable closeable : started.reversed())
        {
            closeable.close();
        }
    }

    @Test
    void aTcpServiceRelaysToTheBackendsOfItsPoolAndFollowsTheOperator() throws Exception
    {
        final NamedBackend one = backend("one", "127.0.0.2", 0);
        final NamedBackend two = backend("two", "127.0.0.3", one.port());
        final int port = freePort();
        final Appliance appliance = start(config(port, "round-robin", one, two));

        final List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            answers.add(ask(port));
        }
        assertEquals(List.of("one", "two", "one", "two"), answers, "round robin over the pool: " + events);

        try (Socket open = new Socket())
        {
            open.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            final long deadline = System.nanoTime() + 5_000_000_000L;
            // The four asked before may still be closing: wait for this one accepted and the others gone.
            while ((appliance.services().getFirst().proxy().get("accepted") < 5
                || appliance.backends().stream().mapToInt(Views.Backend::active).sum() != 1)
                && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertEquals(1, appliance.backends().stream().mapToInt(Views.Backend::active).sum(),
                "an open proxied connection counts on its backend: " + appliance.backends());
            final Views.Service echo = appliance.services().getFirst();
            assertEquals("tcp round-robin", echo.mode() + " " + echo.scheduler());
            assertEquals(5L, echo.proxy().get("accepted"), "four asked and this one: " + echo.proxy());
            assertEquals(1L, echo.proxy().get("active"), echo.proxy().toString());
            final CounterSnapshot accepted = (CounterSnapshot)new ApplianceMetrics(appliance).collect().stream()
                .filter(metric -> metric.getMetadata().getName().equals("fulcrum_proxy_accepted"))
                .findFirst().orElseThrow();
            assertEquals(5.0, accepted.getDataPoints().getFirst().getValue(), "/metrics has the proxy's counters");
        }

        appliance.setAdminState("p", "127.0.0.3", AdminState.DISABLED);
        for (int i = 0; i < 3; i++)
        {
            assertEquals("one", ask(port), "a disabled backend takes no new connection");
        }

        appliance.setAdminState("p", "127.0.0.3", AdminState.ENABLED);
        appliance.reload(ConfigLoader.parse(directory.resolve("fulcrum.yaml"), config(port, "round-robin", two)));
        for (int i = 0; i < 3; i++)
        {
            assertEquals("two", ask(port), "after a reload the pool is the file's");
        }
        assertTrue(events.toString().contains("proxy service echo (tcp, round-robin) listening on 127.0.0.1:" + port), events.toString());
    }

    @Test
    void aStartWhoseListenerCannotBindSaysWhyAndLeavesNothingOpen() throws Exception
    {
        final NamedBackend one = backend("one", "127.0.0.2", 0);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final FulcrumConfig config = ConfigLoader.parse(directory.resolve("fulcrum.yaml"),
                config(taken.getLocalPort(), "round-robin", one));
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Appliance.start(config, new EventLog(new PrintWriter(events, true), EventLog.Format.HUMAN)));
            assertTrue(refused.getMessage().contains("127.0.0.1:" + taken.getLocalPort()),
                "the error names the listener that could not bind: " + refused);
            assertEquals(0, refused.getSuppressed().length, "the cleanup after it failed nothing: "
                + java.util.Arrays.toString(refused.getSuppressed()));
        }
        final int port = freePort();
        start(config(port, "round-robin", one));
        assertEquals("one", ask(port), "a second start in the same process is not hindered by the first");
    }

    @Test
    void anHttpServiceRoutesByPathAndTellsTheBackendWhoAsked() throws Exception
    {
        final int backendPort = freePort();
        final HttpServer web = httpBackend("web", "127.0.0.4", backendPort);
        final HttpServer api = httpBackend("api", "127.0.0.5", backendPort);
        started.add(() -> web.stop(0));
        started.add(() -> api.stop(0));
        final int port = freePort();
        final Appliance appliance = start("""
            dataplane:
              interfaces: []
              counters-file: %s
              connection-table: { persistent: false }
            services:
              - name: site
                vip: 127.0.0.1
                port: %d
                mode: http
                scheduler: least-response-time
                pool: web
                backend-port: %d
                routes: [{ path-prefix: /api/, pool: api }]
            pools:
              - { name: web, backends: [{ address: 127.0.0.4 }] }
              - { name: api, backends: [{ address: 127.0.0.5 }] }
            """.formatted(directory.resolve("counters"), port, backendPort));

        try (HttpClient client = HttpClient.newHttpClient())
        {
            assertEquals("web for 127.0.0.1", get(client, port, "/index.html"));
            assertEquals("api for 127.0.0.1", get(client, port, "/api/v1/users"));
            assertEquals("web for 127.0.0.1", get(client, port, "/apix"), "a prefix /api/ does not take /apix");
        }

        final Views.Backend webBackend = appliance.backends().stream()
            .filter(backend -> backend.address().equals("127.0.0.4")).findFirst().orElseThrow();
        assertEquals(2, webBackend.requests(), "two requests went to web: " + webBackend);
        assertEquals(2, webBackend.responseTimes().count(), "each answered one timed: " + webBackend.responseTimes());
        assertEquals(2L, webBackend.responseTimes().counts().stream().mapToLong(Long::longValue).sum());
        assertTrue(webBackend.responseTimes().sumSeconds() > 0, webBackend.responseTimes().toString());

        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ApplianceMetrics(appliance));
        final ByteArrayOutputStream scrape = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(scrape, registry.scrape());
        final String text = scrape.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("fulcrum_backend_response_time_seconds_bucket{backend=\"127.0.0.4\",pool=\"web\",le=\"+Inf\"} 2"),
            "/metrics has web's response-time histogram:\n" + text);
        assertTrue(appliance.backends().stream().anyMatch(backend -> backend.address().equals("127.0.0.5")),
            "a pool only a route names is listed too: " + appliance.backends());
        assertTrue(text.contains("fulcrum_backend_response_time_seconds_count{backend=\"127.0.0.5\",pool=\"api\"} 1"), text);
        assertTrue(text.contains("fulcrum_backend_proxy_requests_total{backend=\"127.0.0.4\",pool=\"web\"} 2.0"), text);
    }

    private static String get(final HttpClient client, final int port, final String path) throws Exception
    {
        final HttpResponse<String> response = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    /** Answers with its name and the X-Forwarded-For it was given. */
    private static HttpServer httpBackend(final String name, final String address, final int port) throws IOException
    {
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 16);
        server.createContext("/", exchange ->
        {
            final byte[] body = (name + " for " + exchange.getRequestHeaders().getFirst("X-Forwarded-For"))
                .getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private Appliance start(final String yaml) throws Exception
    {
        final FulcrumConfig config = ConfigLoader.parse(directory.resolve("fulcrum.yaml"), yaml);
        final Appliance appliance = Appliance.start(config, new EventLog(new PrintWriter(events, true),
            EventLog.Format.HUMAN));
        started.add(appliance);
        return appliance;
    }

    private String config(final int port, final String scheduler, final NamedBackend... backends)
    {
        final StringBuilder yaml = new StringBuilder("""
            dataplane:
              interfaces: []
              counters-file: %s
              connection-table: { persistent: false }
            services:
              - { name: echo, vip: 127.0.0.1, port: %d, mode: tcp, scheduler: %s, pool: p, backend-port: %d }
            pools:
              - name: p
                backends:
            """.formatted(directory.resolve("counters"), port, scheduler, backends[0].port()));
        for (final NamedBackend backend : backends)
        {
            yaml.append("      - { address: ").append(backend.address()).append(" }\n");
        }
        return yaml.toString();
    }

    private NamedBackend backend(final String name, final String address, final int port) throws IOException
    {
        final NamedBackend backend = new NamedBackend(name, InetAddress.getByName(address), port);
        started.add(backend);
        return backend;
    }

    private static String ask(final int port) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("who?\n".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /** Answers every connection with its name, then closes it. */
    private static final class NamedBackend implements AutoCloseable
    {
        private final ServerSocket server;
        private final Thread thread;

        /** @param port 0 for any */
        NamedBackend(final String name, final InetAddress address, final int port) throws IOException
        {
            server = new ServerSocket(port, 50, address);
            thread = Thread.ofPlatform().daemon().start(() ->
            {
                while (!server.isClosed())
                {
                    try (Socket socket = server.accept(); InputStream in = socket.getInputStream();
                        OutputStream out = socket.getOutputStream())
                    {
                        in.readAllBytes();
                        out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    catch (final IOException e)
                    {
                        // closed, or a client gone: next
                    }
                }
            });
        }

        int port()
        {
            return server.getLocalPort();
        }

        String address()
        {
            return server.getInetAddress().getHostAddress();
        }

        @Override
        public void close() throws Exception
        {
            server.close();
            thread.join(5_000);
        }
    }
}
