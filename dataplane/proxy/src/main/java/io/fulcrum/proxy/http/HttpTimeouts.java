package io.fulcrum.proxy.http;

import java.time.Duration;
import java.util.Objects;

/**
 * The timeouts of an HTTP proxy service.
 *
 * @param requestHeader   from a request's first byte (or the accept) until its headers are complete; slow headers
 *                        are answered 408 and the connection closed
 * @param backendConnect  a connect to a backend; a failed or timed-out connect is retried, then answered 502
 * @param backendResponse the longest a backend may stay silent while a response is due: before its headers and
 *                        between reads of its body (not while the client is the slow side); 504 when nothing was sent
 * @param clientIdle      a kept-alive client connection waiting for its next request; closed quietly after it
 * @param backendIdle     a pooled backend connection waiting for reuse; closed after it. Shorter than the keep-alive
 *                        timeout of common backends (Apache httpd and Node.js close after 5 s) so the proxy closes
 *                        first and seldom sends a request into a connection the backend is closing
 */
public record HttpTimeouts(Duration requestHeader, Duration backendConnect, Duration backendResponse,
    Duration clientIdle, Duration backendIdle)
{
    public static final HttpTimeouts DEFAULTS = new HttpTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(5),
        Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(4));

    public HttpTimeouts
    {
        positive(requestHeader, "requestHeader");
        positive(backendConnect, "backendConnect");
        positive(backendResponse, "backendResponse");
        positive(clientIdle, "clientIdle");
        positive(backendIdle, "backendIdle");
    }

    public HttpTimeouts withRequestHeader(final Duration timeout)
    {
        return new HttpTimeouts(timeout, backendConnect, backendResponse, clientIdle, backendIdle);
    }

    public HttpTimeouts withBackendResponse(final Duration timeout)
    {
        return new HttpTimeouts(requestHeader, backendConnect, timeout, clientIdle, backendIdle);
    }

    private static void positive(final Duration timeout, final String name)
    {
        Objects.requireNonNull(timeout, name);
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException(name + " timeout must be positive: " + timeout);
        }
    }
}
