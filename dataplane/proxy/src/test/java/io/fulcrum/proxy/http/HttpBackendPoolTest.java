package io.fulcrum.proxy.http;

import io.fulcrum.proxy.transport.TransportKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.fulcrum.proxy.http.ProxyFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keep-alive connections to backends: when one is kept, when it is not, and what a backend's answer reports. */
class HttpBackendPoolTest
{
    private final ProxyFixture fixture = new ProxyFixture(TransportKind.AUTO);

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void anIdleBackendConnectionIsClosedAfterTheBackendIdleTimeout() throws Exception
    {
        final TestBackend backend = fixture.backend("a");
        final HttpTimeouts d = HttpTimeouts.DEFAULTS;
        fixture.start(RotatingScheduler.backendSet(backend.address()), settings -> settings.withTimeouts(
            new HttpTimeouts(d.requestHeader(), d.backendConnect(), d.backendResponse(), d.clientIdle(),
                Duration.ofMillis(200))));

        assertEquals(0, Curl.run(fixture.url("/once")).exitCode());

        eventually(() -> backend.closed() == 1, "the pooled connection closed by the sweep");
    }

    @Test
    void aConnectionTheBackendClosesIsNotReused() throws Exception
    {
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));

        final Curl.Result result = Curl.run("-w", " %{http_code}\n", fixture.url("/close"), fixture.url("/close"));

        assertEquals("closing 200\nclosing 200\n", result.out(), result.err());
        assertEquals(2, backend.accepted());
        assertEquals(0, fixture.counters().badGateway());
    }

    @Test
    void aBackend5xxIsPassedOnAndReportedAsAFailure() throws Exception
    {
        final TestBackend backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()));

        final Curl.Result failed = Curl.run("-w", " %{http_code}", fixture.url("/status/503"));
        final Curl.Result notFound = Curl.run("-w", " %{http_code}", fixture.url("/status/404"));

        assertEquals("status 503 503", failed.out());
        assertEquals("status 404 404", notFound.out());
        assertEquals(List.of("failure 1", "success 1"), fixture.outcomes.reports);
        assertEquals(0, fixture.counters().noBackend(), "the backend's 503 is not the proxy's");
        assertEquals(1, fixture.counters().responses(5));
        assertEquals(1, fixture.counters().responses(4));
    }

    @Test
    void keepAliveRequestsSpreadOverTheBackendsOfThePool() throws Exception
    {
        final TestBackend a = fixture.backend("a");
        final TestBackend b = fixture.backend("b");
        fixture.start(RotatingScheduler.backendSet(a.address(), b.address()));

        final Curl.Result result = Curl.run("-w", "\n", fixture.url("/1"), fixture.url("/2"), fixture.url("/3"),
            fixture.url("/4"));

        assertTrue(result.out().startsWith("a GET /1 "), result.out());
        assertEquals(2, a.seen().size(), "the scheduler picks per request, not per client connection");
        assertEquals(2, b.seen().size());
        assertEquals(1, a.accepted(), "each backend's connection reused");
        assertEquals(1, b.accepted());
    }
}
