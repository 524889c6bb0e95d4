package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.HealthCheckConfig;

import java.net.InetAddress;
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
}
