package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A virtual service ({@code services[]}): traffic to {@code vip:port/protocol} goes to the backends of {@code pool}.
 *
 * @param mode            dsr: the packet data plane encapsulates to the backends; tcp, http, udp: the proxy
 *                        terminates the client's connection and opens its own
 * @param forwarding      dsr: how packets reach the backends (direct server return): IPIP (IPv4 in IPv4 or IPv6 in IPv6
 *                        by the backend's family) or GUE
 * @param maglevTableSize Maglev lookup table size, a prime
 * @param pool            the name of a {@link PoolConfig}
 * @param proxy           what a proxied mode adds ({@link ProxyOptions#NONE} for dsr)
 */
public record ServiceConfig(
    String name,
    InetAddress vip,
    int port,
    Protocol protocol,
    ServiceMode mode,
    Encapsulation forwarding,
    SchedulerKind scheduler,
    int maglevTableSize,
    String pool,
    ProxyOptions proxy)
{
    /** The Maglev paper's choice: prime, and over 100 times a few hundred backends. */
    public static final int DEFAULT_MAGLEV_TABLE_SIZE = 65537;
    /** 2^24 entries of 4 bytes: 64 MiB per service is already more than a box wants to spend. */
    public static final int MAX_MAGLEV_TABLE_SIZE = 1 << 24;

    public ServiceConfig
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(forwarding, "forwarding");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(proxy, "proxy");
    }

    /** A dsr service. */
    public ServiceConfig(final String name, final InetAddress vip, final int port, final Protocol protocol,
        final Encapsulation forwarding, final SchedulerKind scheduler, final int maglevTableSize, final String pool)
    {
        this(name, vip, port, protocol, ServiceMode.DSR, forwarding, scheduler, maglevTableSize, pool,
            ProxyOptions.NONE);
    }

    /** The port the backends listen on: the service's own unless a proxied service says otherwise. */
    public int backendPort()
    {
        return proxy.backendPort() == 0 ? port : proxy.backendPort();
    }
}
