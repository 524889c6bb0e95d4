package io.fulcrum.controlplane.config;

import java.util.Objects;

/**
 * Pool health tracked by a VRRP instance ({@code track-pools:} entry): the pool is short while fewer than
 * {@code minHealthy} of its backends take new flows. As keepalived's tracking weights: a negative {@code weight}
 * lowers the instance's priority while the pool is short, a positive one raises it while the pool is not; weight 0
 * (or none) puts the instance in FAULT while the pool is short.
 */
public record TrackedPool(String pool, int minHealthy, int weight)
{
    public static final int MAX_WEIGHT = 254;

    public TrackedPool
    {
        Objects.requireNonNull(pool, "pool");
    }

    /** Without a weight, a short pool takes the instance out (FAULT) instead of changing its priority. */
    public boolean faults()
    {
        return weight == 0;
    }
}
