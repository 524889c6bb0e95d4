package io.fulcrum.controlplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a proxied service (mode tcp, http or udp) adds to a service; a dsr service has {@link #NONE}.
 *
 * @param backendPort           the backends' port; 0: the service's port
 * @param maxConnections        tcp: client connections held at once, 0 for no limit; over it a connection is refused and
 *                              counted
 * @param proxyProtocol         tcp: send a PROXY protocol v2 header to the backend, so it sees the client's address
 * @param retries               connects tried on other backends when one fails (http: idempotent requests only)
 * @param connectTimeout        for the connection to a backend
 * @param idleTimeout           tcp: a connection with no byte either way is closed; udp: a session's idle expiry;
 *                              http: a keep-alive client connection between requests
 * @param responseTimeout       http: the longest a backend may stay silent while a response is due (before its
 *                              headers and between reads of its body); 504 when nothing was sent yet
 * @param requestHeaderTimeout  http: for a client to send the whole request head (408 past it)
 * @param forwardedHeaders      http: add X-Forwarded-For, X-Forwarded-Proto and Forwarded
 * @param routes                http: rules by host and path prefix to other pools
 */
public record ProxyOptions(int backendPort, int maxConnections, boolean proxyProtocol, int retries,
    Duration connectTimeout, Duration idleTimeout, Duration responseTimeout, Duration requestHeaderTimeout,
    boolean forwardedHeaders, List<RouteConfig> routes)
{
    public static final int DEFAULT_RETRIES = 2;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TCP_IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_UDP_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_HTTP_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);

    /** A dsr service's: nothing to proxy. */
    public static final ProxyOptions NONE = new ProxyOptions(0, 0, false, DEFAULT_RETRIES, DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_TCP_IDLE_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, DEFAULT_REQUEST_HEADER_TIMEOUT, true, List.of());

    public ProxyOptions
    {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        Objects.requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
        routes = List.copyOf(routes);
    }

    /** The idle timeout a service of {@code mode} has when the file gives none. */
    public static Duration defaultIdleTimeout(final ServiceMode mode)
    {
        return switch (mode)
        {
            case UDP -> DEFAULT_UDP_IDLE_TIMEOUT;
            case HTTP -> DEFAULT_HTTP_IDLE_TIMEOUT;
            case TCP, DSR -> DEFAULT_TCP_IDLE_TIMEOUT;
        };
    }
}
