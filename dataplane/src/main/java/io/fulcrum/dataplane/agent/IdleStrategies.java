package io.fulcrum.dataplane.agent;

import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/** The idle strategies a worker can be configured with, by the names the configuration file uses. */
public final class IdleStrategies
{
    private IdleStrategies()
    {
    }

    /**
     * {@code busy-spin}: lowest latency, a core at 100% (production, isolated cores); {@code yield}: spins but lets
     * other threads run; {@code backoff}: spins, yields, then parks up to 1 ms (laptops, tests, shared machines).
     */
    public static IdleStrategy byName(final String name)
    {
        return switch (name)
        {
            case "busy-spin" -> new BusySpinIdleStrategy();
            case "yield" -> new YieldingIdleStrategy();
            case "backoff" -> new BackoffIdleStrategy(64, 64, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MILLISECONDS.toNanos(1));
            default -> throw new IllegalArgumentException(
                "unknown idle strategy '" + name + "' (expected one of: busy-spin, yield, backoff)");
        };
    }
}
