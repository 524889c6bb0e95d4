package io.fulcrum.controlplane.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A routing rule of an http service ({@code services[].routes[]}): requests whose Host and path match go to
 * {@code pool} instead of the service's own pool. Rules are tried by host, then longest path prefix.
 *
 * @param host       the Host header without port, lower case; empty: any host
 * @param pathPrefix the path must start with it; "/" matches every path
 */
public record RouteConfig(Optional<String> host, String pathPrefix, String pool)
{
    public RouteConfig
    {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(pool, "pool");
    }
}
