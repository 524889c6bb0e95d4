package io.fulcrum.proxy.tcp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * One {@code mode: tcp} service as the proxy runs it.
 *
 * @param name           the service's name, for logs and metrics
 * @param listen         the VIP and port it listens on (bound with IP_FREEBIND: the VIP need not be here yet)
 * @param connectTimeout how long a connect to one backend may take before the next is tried
 * @param idleTimeout    a connection with no byte either way for this long is closed; zero keeps idle connections
 * @param connectRetries how many other backends are tried after a failed connect
 * @param proxyProtocol  whether each backend connection starts with a PROXY protocol v2 header (client and VIP)
 * @param maxConnections client connections open at once; over it a new one is closed at once; 0 is unlimited
 */
public record TcpProxySettings(String name, InetSocketAddress listen, Duration connectTimeout, Duration idleTimeout,
    int connectRetries, boolean proxyProtocol, int maxConnections)
{
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** nginx's {@code proxy_timeout} for streams: long-lived TCP (databases, brokers) is common behind an L4 proxy. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_CONNECT_RETRIES = 2;

    public TcpProxySettings
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        if (connectTimeout.isNegative() || connectTimeout.isZero())
        {
            throw new IllegalArgumentException("connect timeout must be positive: " + connectTimeout);
        }
        if (idleTimeout.isNegative())
        {
            throw new IllegalArgumentException("idle timeout must not be negative: " + idleTimeout);
        }
        if (connectRetries < 0 || maxConnections < 0)
        {
            throw new IllegalArgumentException("connect retries and max connections must not be negative: " +
                connectRetries + ", " + maxConnections);
        }
    }

    /** The defaults: 5 s connect timeout, 10 min idle timeout, 2 retries, no PROXY header, no limit. */
    public static TcpProxySettings of(final String name, final InetSocketAddress listen)
    {
        return new TcpProxySettings(name, listen, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
            DEFAULT_CONNECT_RETRIES, false, 0);
    }

    public TcpProxySettings withConnectTimeout(final Duration timeout)
    {
        return new TcpProxySettings(name, listen, timeout, idleTimeout, connectRetries, proxyProtocol, maxConnections);
    }

    public TcpProxySettings withIdleTimeout(final Duration timeout)
    {
        return new TcpProxySettings(name, listen, connectTimeout, timeout, connectRetries, proxyProtocol, maxConnections);
    }

    public TcpProxySettings withConnectRetries(final int retries)
    {
        return new TcpProxySettings(name, listen, connectTimeout, idleTimeout, retries, proxyProtocol, maxConnections);
    }

    public TcpProxySettings withProxyProtocol(final boolean on)
    {
        return new TcpProxySettings(name, listen, connectTimeout, idleTimeout, connectRetries, on, maxConnections);
    }

    public TcpProxySettings withMaxConnections(final int max)
    {
        return new TcpProxySettings(name, listen, connectTimeout, idleTimeout, connectRetries, proxyProtocol, max);
    }
}
