package io.fulcrum.controlplane.config;

import java.util.List;
import java.util.Objects;

/** A named set of backends ({@code pools[]}); several services may share one pool. */
public record PoolConfig(String name, List<BackendConfig> backends)
{
    public PoolConfig
    {
        Objects.requireNonNull(name, "name");
        backends = List.copyOf(backends);
    }
}
