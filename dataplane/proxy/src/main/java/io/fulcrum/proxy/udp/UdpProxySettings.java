package io.fulcrum.proxy.udp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * One {@code mode: udp} service as the proxy runs it.
 *
 * @param name        the service's name, for logs and metrics
 * @param listen      the VIP and port it listens on (bound with IP_FREEBIND); bind the VIP itself rather than a
 *                    wildcard, so that replies leave from the address the client sent to
 * @param idleTimeout a client's session (and its socket towards the backend) ends after this long without a datagram
 *                    either way
 */
public record UdpProxySettings(String name, InetSocketAddress listen, Duration idleTimeout)
{
    /** nginx's stream {@code proxy_timeout} is 10 min; DNS-like request and answer needs far less. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    public UdpProxySettings
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        if (idleTimeout.isNegative() || idleTimeout.isZero())
        {
            throw new IllegalArgumentException("a UDP session's idle timeout must be positive: " + idleTimeout);
        }
    }

    public static UdpProxySettings of(final String name, final InetSocketAddress listen)
    {
        return new UdpProxySettings(name, listen, DEFAULT_IDLE_TIMEOUT);
    }

    public UdpProxySettings withIdleTimeout(final Duration timeout)
    {
        return new UdpProxySettings(name, listen, timeout);
    }
}
