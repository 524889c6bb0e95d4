package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.transport.TransportKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.fulcrum.proxy.http.ProxyFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The proxy as curl sees it, on io_uring and on epoll. */
class HttpProxyServiceTest
{
    private ProxyFixture fixture;

    @AfterEach
    void tearDown()
    {
        if (fixture != null)
        {
            fixture.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void getAndPostOfOneMebibyteStreamThrough(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));
        final byte[] big = TestBackend.bigBody();
        final Path download = Files.createTempFile("proxy", ".get");
        final Path upload = Files.createTempFile("proxy", ".post");
        try
        {
            Files.write(upload, big);
            for (final String path : List.of("/big", "/chunked"))
            {
                final Curl.Result get = Curl.run("-o", download.toString(), "-w", "%{http_code}",
                    fixture.url(path));
                assertEquals("200", get.out(), get.err());
                assertEquals(TestBackend.sha256(big), TestBackend.sha256(Files.readAllBytes(download)), path);
            }
            final Curl.Result post = Curl.run("--data-binary", "@" + upload, "-H",
                "Content-Type: application/octet-stream", fixture.url("/upload"));
            assertEquals(0, post.exitCode(), post.err());
            assertEquals("a POST /upload bytes=" + big.length + " sha256=" + TestBackend.sha256(big), post.out());

            final Curl.Result chunkedPost = Curl.run("--data-binary", "@" + upload, "-H",
                "Transfer-Encoding: chunked", fixture.url("/upload-chunked"));
            assertEquals("a POST /upload-chunked bytes=" + big.length + " sha256=" + TestBackend.sha256(big),
                chunkedPost.out(), chunkedPost.err());
        }
        finally
        {
            Files.deleteIfExists(download);
            Files.deleteIfExists(upload);
        }
        assertEquals(4, fixture.counters().requests());
        assertEquals(4, fixture.counters().backends().get(1).requests());
        assertEquals(4, fixture.counters().backends().get(1).responseTimes().count());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void twoRequestsOnOneClientConnectionReuseOneBackendConnection(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));

        final Curl.Result result = Curl.run("-w", " connects=%{num_connects}\n", fixture.url("/one"),
            fixture.url("/two"));

        assertEquals("a GET /one bytes=0 sha256=" + TestBackend.sha256(new byte[0]) + " connects=1\n" +
            "a GET /two bytes=0 sha256=" + TestBackend.sha256(new byte[0]) + " connects=0\n", result.out(),
            result.err());
        assertEquals(1, backend.accepted());
        assertEquals(2, backend.seen().size());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void backendSeesTheClientInForwardingHeadersAndNoHopByHopHeaders(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));

        final Curl.Result result = Curl.run("-H", "X-Forwarded-For: 192.0.2.7", "-H", "Connection: X-Secret",
            "-H", "X-Secret: 1", "-H", "Keep-Alive: timeout=5", "-H", "X-Forwarded-Proto: https",
            fixture.url("/who"));

        assertEquals(0, result.exitCode(), result.err());
        final var headers = backend.seen().getFirst().headers();
        final int port = fixture.address().getPort();
        assertEquals("192.0.2.7, 127.0.0.1", headers.get("X-Forwarded-For"));
        assertEquals("for=127.0.0.1;proto=http;host=\"127.0.0.1:" + port + "\"", headers.get("Forwarded"));
        assertEquals(List.of("http"), headers.getAll("X-Forwarded-Proto"));
        assertEquals("127.0.0.1:" + port, headers.get("Host"));
        assertFalse(headers.contains("X-Secret"), headers.toString());
        assertFalse(headers.contains("Keep-Alive"), headers.toString());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void routesByHostThenLongestPathPrefix(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend api = fixture.backend("api");
        final TestBackend statics = fixture.backend("static");
        final TestBackend other = fixture.backend("default");
        final BackendSet apiPool = RotatingScheduler.backendSet(api.address());
        final BackendSet staticPool = RotatingScheduler.backendSet(statics.address());
        fixture.start(RotatingScheduler.backendSet(other.address()), settings -> settings.withRoutes(List.of(
            new HttpRoute("api.example.com", "/", apiPool),
            new HttpRoute(null, "/static", staticPool),
            new HttpRoute(null, "/static/api", apiPool))));

        assertEquals("api", first(Curl.run("-H", "Host: API.Example.COM:8080", fixture.url("/static/x"))));
        assertEquals("static", first(Curl.run("-H", "Host: www.example.com", fixture.url("/static/x"))));
        assertEquals("api", first(Curl.run("-H", "Host: www.example.com", fixture.url("/static/api/y"))));
        assertEquals("default", first(Curl.run("-H", "Host: www.example.com", fixture.url("/other"))));
        assertEquals("default", first(Curl.run(fixture.url("/"))));
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void getIsRetriedOnAnotherBackendWhenTheFirstRefusesConnects(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend live = fixture.backend("live");
        fixture.start(RotatingScheduler.backendSet(ProxyFixture.refusingAddress(), live.address()));

        final Curl.Result result = Curl.run(fixture.url("/retry"));

        assertTrue(result.out().startsWith("live GET /retry"), result.out() + result.err());
        assertEquals(1, fixture.counters().retries());
        assertEquals(List.of("failure 1", "success 2"), fixture.outcomes.reports);
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void getIsRetriedAfterAResetBeforeAnyResponseBytePostIsNot(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend resetting = fixture.backend("resetting");
        resetting.resetAll();
        final TestBackend live = fixture.backend("live");
        fixture.start(RotatingScheduler.backendSet(resetting.address(), live.address()));

        final Curl.Result get = Curl.run(fixture.url("/get"));
        assertTrue(get.out().startsWith("live GET /get"), get.out() + get.err());
        assertEquals(1, fixture.counters().retries());

        // The rotation starts at the resetting backend again.
        final Curl.Result post = Curl.run("-w", "%{http_code}", "-o", "/dev/null", "--data", "x=1",
            fixture.url("/post"));
        assertEquals("502", post.out(), post.err());
        assertEquals(1, fixture.counters().retries());
        assertEquals(1, fixture.counters().badGateway());
        assertEquals(List.of("GET", "POST"), resetting.seen().stream().map(TestBackend.Seen::method).toList());
        assertEquals(List.of("GET"), live.seen().stream().map(TestBackend.Seen::method).toList());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void noBackendIs503FailedConnectsAre502SilenceIs504(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend slow = fixture.backend("slow");
        final BackendSet none = new BackendSet();
        final BackendSet refusing = RotatingScheduler.backendSet(ProxyFixture.refusingAddress());
        final BackendSet slowPool = RotatingScheduler.backendSet(slow.address());
        fixture.start(none, settings -> settings
            .withRoutes(List.of(new HttpRoute(null, "/refusing", refusing), new HttpRoute(null, "/slow", slowPool)))
            .withTimeouts(HttpTimeouts.DEFAULTS.withBackendResponse(Duration.ofMillis(300))));

        final Curl.Result noBackend = Curl.run("-i", fixture.url("/none"));
        assertTrue(noBackend.out().startsWith("HTTP/1.1 503 Service Unavailable\r\n"), noBackend.out());
        assertTrue(noBackend.out().endsWith("\r\n\r\n503 Service Unavailable\n"), noBackend.out());

        final Curl.Result badGateway = Curl.run("-i", fixture.url("/refusing"));
        assertTrue(badGateway.out().startsWith("HTTP/1.1 502 Bad Gateway\r\n"), badGateway.out());

        final Curl.Result timeout = Curl.run("-i", fixture.url("/slow"));
        assertTrue(timeout.out().startsWith("HTTP/1.1 504 Gateway Timeout\r\n"), timeout.out());

        final HttpProxyCounters counters = fixture.counters();
        assertEquals(1, counters.noBackend());
        assertEquals(1, counters.badGateway());
        assertEquals(1, counters.gatewayTimeouts());
        assertEquals(2, counters.retries(), "two retries of the refused connect");
        assertEquals(3, counters.responses(5));
        assertEquals(List.of("failure 1", "failure 1", "failure 1", "failure 1"), fixture.outcomes.reports);
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void backendDyingMidResponseClosesTheClientConnection(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend dying = fixture.backend("dying");
        fixture.start(RotatingScheduler.backendSet(dying.address()));

        final Curl.Result result = Curl.run("-o", "/dev/null", "-w", "%{http_code}", fixture.url("/die"));

        assertEquals("200", result.out());
        assertEquals(18, result.exitCode(), "curl: transfer closed with outstanding read data: " + result.err());
        assertEquals(1, fixture.counters().truncatedResponses());
        assertEquals(List.of("success 1", "failure 1"), fixture.outcomes.reports);
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void clientAbortingMidResponseClosesTheBackendConnection(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend streaming = fixture.backend("streaming");
        fixture.start(RotatingScheduler.backendSet(streaming.address()));

        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            client.readUntil("\r\n\r\n");
            client.abort();
        }
        eventually(() -> streaming.closed() == 1, "the backend connection closed");

        final Curl.Result next = Curl.run(fixture.url("/next"));
        assertTrue(next.out().startsWith("streaming GET /next"), next.out() + next.err());
        assertEquals(2, streaming.accepted(), "the aborted connection was not pooled");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void pipelinedRequestsAreAnsweredInOrder(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));

        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n" +
                "abcGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            final String responses = client.readToClose();
            final int one = responses.indexOf("a GET /1 ");
            final int two = responses.indexOf("a POST /2 bytes=3 ");
            final int three = responses.indexOf("a GET /3 ");
            assertTrue(one >= 0 && one < two && two < three, responses);
            assertTrue(responses.toLowerCase().contains("connection: close\r\n"), responses);
        }
        assertEquals(1, backend.accepted());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void http10ClientIsKeptAliveOnlyWhenItAsks(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));

        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            final String kept = client.readResponse();
            assertTrue(kept.toLowerCase().contains("connection: keep-alive\r\n"), kept);
            client.send("GET /chunked HTTP/1.0\r\n\r\n");
            final String closed = client.readToClose();
            assertTrue(closed.startsWith("HTTP/1.1 200 OK\r\n"), closed);
            assertFalse(closed.contains("chunked"), "no chunked coding to an HTTP/1.0 client: " + closed);
            assertEquals(TestBackend.BIG, closed.length() - closed.indexOf("\r\n\r\n") - 4);
        }
        assertNotEquals(0, backend.seen().size());
        assertEquals("127.0.0.1:" + backend.address().getPort(), backend.seen().getFirst().headers().get("Host"),
            "a Host for the backend when the HTTP/1.0 client sent none");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void expectContinueIsAnsweredBeforeTheBodyIsSent(final TransportKind kind) throws Exception
    {
        fixture = new ProxyFixture(kind);
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));

        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("PUT /put HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", client.readUntil("\r\n\r\n"));
            client.send("hello");
            final String response = client.readResponse();
            assertTrue(response.contains("a PUT /put bytes=5 "), response);
        }
        assertFalse(backend.seen().getFirst().headers().contains("Expect"));
    }

    @Test
    void aKeptAliveConnectionIdleForTheClientIdleTimeoutIsClosedWithoutAnAnswer() throws Exception
    {
        fixture = new ProxyFixture(TransportKind.AUTO);
        final TestBackend backend = fixture.backend("a");
        final HttpTimeouts d = HttpTimeouts.DEFAULTS;
        fixture.start(RotatingScheduler.backendSet(backend.address()), settings -> settings.withTimeouts(
            new HttpTimeouts(d.requestHeader(), d.backendConnect(), d.backendResponse(), Duration.ofMillis(300),
                d.backendIdle())));

        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(client.readResponse().contains("a GET /first "));
            assertEquals("", client.readToClose(), "closed quietly, well before the 10 s read timeout");
        }
        assertEquals(0, fixture.counters().requestTimeouts());
    }

    private static String first(final Curl.Result result)
    {
        return result.out().split(" ")[0];
    }
}
