package io.fulcrum.dataplane;

import java.util.List;
import java.util.Objects;

import io.fulcrum.dataplane.flow.Timeouts;
import io.fulcrum.dataplane.forward.EncapsulationSettings;

/**
 * How the data plane runs, in one place (Aeron's Context idea): every component gets its settings from here and
 * nothing global. The control plane builds it from the configuration file; tests and benchmarks build it directly.
 *
 * @param batchSize          frames a worker takes from its port per duty cycle
 * @param connectionCapacity entries of each worker's connection table (rounded up to a power of two)
 * @param timeouts           idle timeouts of the connection table
 * @param encapsulation      outer source prefixes and GUE port
 * @param idleStrategy       {@code busy-spin}, {@code yield} or {@code backoff}
 * @param cores              the core each worker is pinned to, by worker index; empty for no pinning
 * @param mtu                largest IP packet the egress link takes; the port's own MTU lowers it further
 */
public record DataplaneSettings(
    int batchSize,
    int connectionCapacity,
    Timeouts timeouts,
    EncapsulationSettings encapsulation,
    String idleStrategy,
    List<Integer> cores,
    int mtu)
{
    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final int DEFAULT_CONNECTION_CAPACITY = 1 << 20;
    public static final int DEFAULT_MTU = 1500;

    public DataplaneSettings
    {
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(encapsulation, "encapsulation");
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        cores = List.copyOf(cores);
        if (batchSize < 1)
        {
            throw new IllegalArgumentException("batch size must be at least 1: " + batchSize);
        }
        if (connectionCapacity < 1)
        {
            throw new IllegalArgumentException("connection table capacity must be at least 1: " + connectionCapacity);
        }
        if (mtu < 576)
        {
            throw new IllegalArgumentException("mtu below the IPv4 minimum of 576: " + mtu);
        }
    }

    public static DataplaneSettings defaults()
    {
        return new DataplaneSettings(DEFAULT_BATCH_SIZE, DEFAULT_CONNECTION_CAPACITY, Timeouts.DEFAULTS,
            EncapsulationSettings.defaults(), "backoff", List.of(), DEFAULT_MTU);
    }

    public DataplaneSettings withConnectionCapacity(final int capacity)
    {
        return new DataplaneSettings(batchSize, capacity, timeouts, encapsulation, idleStrategy, cores, mtu);
    }

    public DataplaneSettings withMtu(final int newMtu)
    {
        return new DataplaneSettings(batchSize, connectionCapacity, timeouts, encapsulation, idleStrategy, cores, newMtu);
    }
}
