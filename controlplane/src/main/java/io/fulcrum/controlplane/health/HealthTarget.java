package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.BackendConfig;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.controlplane.config.PoolConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One backend of one pool to check; its identity is {@code (pool, address)}: the same address in two pools is two
 * targets (the pools may check different things).
 *
 * @param check the backend's effective check ({@code BackendConfig.healthCheck()}), sent to {@code address}
 */
public record HealthTarget(String pool, InetAddress address, HealthCheckConfig check)
{
    public HealthTarget
    {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(check, "check");
    }

    /** Every backend of every pool that has a health check, in file order: what {@link HealthChecker#update} takes. */
    public static List<HealthTarget> of(final FulcrumConfig config)
    {
        final List<HealthTarget> targets = new ArrayList<>();
        for (final PoolConfig pool : config.pools())
        {
            for (final BackendConfig backend : pool.backends())
            {
                backend.healthCheck().ifPresent(check -> targets.add(new HealthTarget(pool.name(), backend.address(), check)));
            }
        }
        return targets;
    }
}
