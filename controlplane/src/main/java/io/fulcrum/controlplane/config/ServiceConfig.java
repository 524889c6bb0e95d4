package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Encapsulation;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A virtual service ({@code services[]}): traffic to {@code vip:port/protocol} goes to the backends of {@code pool}.
 *
 * @param forwarding      how packets reach the backends (direct server return): IPIP (IPv4 in IPv4 or IPv6 in IPv6
 *                        by the backend's family) or GUE
 * @param maglevTableSize Maglev lookup table size, a prime
 * @param pool            the name of a {@link PoolConfig}
 */
public record ServiceConfig(
    String name,
    InetAddress vip,
    int port,
    Protocol protocol,
    Encapsulation forwarding,
    Scheduler scheduler,
    int maglevTableSize,
    String pool)
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
    }
}
