package io.fulcrum.proxy.http;

import io.fulcrum.proxy.transport.TransportKind;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

import static io.fulcrum.proxy.http.ProxyFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client input the proxy will not forward: the right status, a counter, the connection closed, no backend request. */
class HttpBadInputTest
{
    private static final ToLongFunction<HttpProxyCounters> BAD_REQUESTS = HttpProxyCounters::badRequests;

    private ProxyFixture fixture;
    private TestBackend backend;

    @BeforeEach
    void setUp()
    {
        fixture = new ProxyFixture(TransportKind.AUTO);
        backend = fixture.backend("a");
        fixture.start(RotatingScheduler.backendSet(backend.address()), settings -> settings.withTimeouts(
            HttpTimeouts.DEFAULTS.withRequestHeader(Duration.ofMillis(300))));
    }

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    static Stream<Arguments> refusedRequests()
    {
        return Stream.of(
            refused("malformed request line", "GET /index.html HTTP/1.1 junk\r\nHost: x\r\n\r\n", 400),
            refused("not HTTP at all", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\r\n\r\n", 400),
            refused("header line without a colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400),
            refused("space before the colon", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc", 400),
            refused("bare LF line ends", "GET / HTTP/1.1\nHost: x\n\n", 400),
            refused("oversized header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n",
                431, HttpProxyCounters::headerTooLarge),
            refused("oversized request line", "GET /" + "p".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            refused("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n" +
                "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
            refused("differing Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n" +
                "Content-Length: 4\r\n\r\nabcd", 400),
            refused("repeated Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc",
                400),
            refused("Transfer-Encoding other than chunked", "POST / HTTP/1.1\r\nHost: x\r\n" +
                "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400),
            refused("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "0\r\n\r\n", 400),
            refused("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400),
            refused("two Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            refused("HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            refused("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501),
            refused("unknown expectation", "GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", 417));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedRequests")
    void isRefusedWithoutABackendRequest(final String name, final String request, final int status,
        final ToLongFunction<HttpProxyCounters> counter) throws Exception
    {
        final String response;
        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send(request);
            response = client.readToClose();
        }

        assertEquals(status, RawClient.status(response), response);
        assertTrue(response.toLowerCase().contains("\r\nconnection: close\r\n"), response);
        assertTrue(response.endsWith("\r\n\r\n" + status + " " +
            HttpResponseStatus.valueOf(status).reasonPhrase() + "\n"), response);
        assertEquals(1, counter.applyAsLong(fixture.counters()));
        assertEquals(0, backend.accepted(), "the backend saw no connection");
    }

    @Test
    void slowHeadersAre408WithoutABackendRequest() throws Exception
    {
        final String response;
        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n");
            response = client.readToClose();
        }

        assertEquals(408, RawClient.status(response), response);
        assertEquals(1, fixture.counters().requestTimeouts());
        assertEquals(0, backend.accepted());
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAnAnswer() throws Exception
    {
        try (RawClient client = new RawClient(fixture.address()))
        {
            assertEquals("", client.readToClose());
        }
        assertEquals(0, fixture.counters().requestTimeouts());
    }

    @Test
    void aBadRequestPipelinedAfterAGoodOneIsAnsweredAfterIt() throws Exception
    {
        final String responses;
        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\n\r\n");
            responses = client.readToClose();
        }

        final int good = responses.indexOf("a GET /good ");
        final int bad = responses.indexOf("HTTP/1.1 400 Bad Request");
        assertTrue(good >= 0 && good < bad, responses);
        assertEquals(1, backend.seen().size());
    }

    @Test
    void aBrokenChunkedBodyIs400AndTheBackendConnectionIsClosed() throws Exception
    {
        final String response;
        try (RawClient client = new RawClient(fixture.address()))
        {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n" +
                "zz\r\n");
            response = client.readToClose();
        }

        assertEquals(400, RawClient.status(response), response);
        assertEquals(1, fixture.counters().badRequests());
        eventually(() -> backend.closed() == backend.accepted(), "the half-sent request's connection closed");
        assertEquals(0, backend.seen().size(), "the backend never had a whole request");
    }

    private static Arguments refused(final String name, final String request, final int status)
    {
        return refused(name, request, status, BAD_REQUESTS);
    }

    private static Arguments refused(final String name, final String request, final int status,
        final ToLongFunction<HttpProxyCounters> counter)
    {
        return Arguments.of(name, request, status, counter);
    }
}
