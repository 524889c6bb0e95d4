package io.fulcrum.controlplane.config;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A real server in a pool ({@code pools[].backends[]}).
 *
 * @param weight      relative share of new flows, 0 to 65535 (0: no new flows)
 * @param mac         the next hop's Ethernet address for this backend, low 48 bits; {@link MacAddresses#UNRESOLVED} when
 *                    the file does not give one (the daemon resolves it at run time; replay writes it as is)
 * @param healthCheck the effective check (the pool's, with this backend's overrides); empty: unchecked, always healthy
 */
public record BackendConfig(InetAddress address, int weight, long mac, Optional<HealthCheckConfig> healthCheck)
{
    public static final int DEFAULT_WEIGHT = 100;
    public static final int MAX_WEIGHT = 65535;

    public BackendConfig
    {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(healthCheck, "healthCheck");
        if (weight < 0 || weight > MAX_WEIGHT)
        {
            throw new IllegalArgumentException("weight must be 0 to " + MAX_WEIGHT + ": " + weight);
        }
    }

    /** An unchecked backend. */
    public BackendConfig(final InetAddress address, final int weight, final long mac)
    {
        this(address, weight, mac, Optional.empty());
    }
}
