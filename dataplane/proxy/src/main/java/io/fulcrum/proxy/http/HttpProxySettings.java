package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * One HTTP/1.1 proxy service, as the control plane builds it from the configuration.
 *
 * @param name             the service's name, for logs and thread names
 * @param listen           where it listens (the VIP and port); bound with IP_FREEBIND, so before the VIP is here
 * @param routes           by Host and path prefix, see {@link HttpRouter}; none sends everything to the default
 * @param defaultBackends  where a request no route takes goes
 * @param timeouts         see {@link HttpTimeouts}
 * @param maxHeaderSize    bytes of header lines a request may have; more is answered 431
 * @param maxRequestLine   bytes of the request line; more is answered 414
 * @param retries          further attempts, on another backend where there is one, after a failed connect (any
 *                         method: nothing reached a backend) or, for a body-less idempotent request (GET, HEAD, PUT,
 *                         DELETE, OPTIONS, TRACE), after a reset before any byte of the response
 * @param forwardedHeaders whether requests get X-Forwarded-For, Forwarded and X-Forwarded-Proto
 */
public record HttpProxySettings(String name, InetSocketAddress listen, List<HttpRoute> routes,
    BackendSet defaultBackends, HttpTimeouts timeouts, int maxHeaderSize, int maxRequestLine, int retries,
    boolean forwardedHeaders)
{
    public static final int DEFAULT_MAX_HEADER_SIZE = 8 * 1024;
    public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
    public static final int DEFAULT_RETRIES = 2;

    public HttpProxySettings
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(defaultBackends, "defaultBackends");
        Objects.requireNonNull(timeouts, "timeouts");
        routes = List.copyOf(routes);
        if (maxHeaderSize < 256 || maxRequestLine < 64)
        {
            throw new IllegalArgumentException("maxHeaderSize (at least 256) or maxRequestLine (at least 64) too " +
                "small: " + maxHeaderSize + ", " + maxRequestLine);
        }
        if (retries < 0)
        {
            throw new IllegalArgumentException("retries must not be negative: " + retries);
        }
    }

    /** No routes, default timeouts and limits, two retries, forwarding headers on. */
    public static HttpProxySettings of(final String name, final InetSocketAddress listen,
        final BackendSet defaultBackends)
    {
        return new HttpProxySettings(name, listen, List.of(), defaultBackends, HttpTimeouts.DEFAULTS,
            DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_REQUEST_LINE, DEFAULT_RETRIES, true);
    }

    public HttpProxySettings withRoutes(final List<HttpRoute> newRoutes)
    {
        return new HttpProxySettings(name, listen, newRoutes, defaultBackends, timeouts, maxHeaderSize,
            maxRequestLine, retries, forwardedHeaders);
    }

    public HttpProxySettings withTimeouts(final HttpTimeouts newTimeouts)
    {
        return new HttpProxySettings(name, listen, routes, defaultBackends, newTimeouts, maxHeaderSize,
            maxRequestLine, retries, forwardedHeaders);
    }

    public HttpProxySettings withRetries(final int newRetries)
    {
        return new HttpProxySettings(name, listen, routes, defaultBackends, timeouts, maxHeaderSize, maxRequestLine,
            newRetries, forwardedHeaders);
    }
}
