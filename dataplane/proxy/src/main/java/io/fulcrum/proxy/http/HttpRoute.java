package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;

import java.util.Locale;
import java.util.Objects;

/**
 * Requests for a host and path prefix go to a pool of backends.
 *
 * @param host       the Host to match, without port and compared without case; null matches any host
 * @param pathPrefix matched against the request's path as sent (no decoding), like nginx's prefix locations:
 *                   "/api" takes "/api", "/api/v1" and "/apix"; "/" takes every path
 * @param backends   where the matching requests go
 */
public record HttpRoute(String host, String pathPrefix, BackendSet backends)
{
    public HttpRoute
    {
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(backends, "backends");
        if (!pathPrefix.startsWith("/"))
        {
            throw new IllegalArgumentException("a route's path prefix starts with '/': " + pathPrefix);
        }
        if (host != null)
        {
            if (host.isBlank())
            {
                throw new IllegalArgumentException("a route's host is null (any) or a name, not blank");
            }
            host = host.toLowerCase(Locale.ROOT);
        }
    }
}
