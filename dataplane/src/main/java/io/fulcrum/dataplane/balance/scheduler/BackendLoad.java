package io.fulcrum.dataplane.balance.scheduler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the load-aware schedulers know of one backend: the connections (or requests) it has open now and a peak-EWMA
 * of the latency observed on them, as Finagle's and Linkerd's peak-EWMA balancers keep it. Peak: a latency above the
 * average replaces it at once, so a backend that slows down is avoided from its first slow answer; below the average
 * it decays in with time constant {@code decay}, so it earns its share back gradually.
 *
 * <p>Thread-safe. {@link #begin} and {@link #end} are called by whoever opens and finishes the work, on any thread.
 */
public final class BackendLoad
{
    /** Finagle's default decay time. */
    public static final long DEFAULT_DECAY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Cost of a backend with work open and no latency observed yet: high, so a new backend is tried, not flooded. */
    static final double PENALTY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final AtomicInteger active = new AtomicInteger();
    private final long decayNanos;
    private double ewmaNanos;
    private long stampNanos;

    public BackendLoad()
    {
        this(DEFAULT_DECAY_NANOS);
    }

    public BackendLoad(final long decayNanos)
    {
        if (decayNanos <= 0)
        {
            throw new IllegalArgumentException("decay must be positive: " + decayNanos);
        }
        this.decayNanos = decayNanos;
    }

    /** A connection or request to this backend starts. */
    public void begin()
    {
        active.incrementAndGet();
    }

    /** It ended without a latency worth recording (refused, reset before any answer). */
    public void end()
    {
        active.decrementAndGet();
    }

    /**
     * It ended and took {@code latencyNanos} (HTTP: the response time; TCP: connect and first byte).
     *
     * @param nowNanos {@link System#nanoTime()} when it ended
     */
    public void end(final long latencyNanos, final long nowNanos)
    {
        observe(latencyNanos, nowNanos);
        active.decrementAndGet();
    }

    /** Records a latency without ending work (TCP: the first byte of a connection that stays open). */
    public synchronized void observe(final long latencyNanos, final long nowNanos)
    {
        final double latency = Math.max(0, latencyNanos);
        final double weight = stampNanos == 0 ? 0 : decay(nowNanos);
        // The peak is taken against the average decayed to now, the one cost() has been reporting.
        final double decayed = ewmaNanos * weight;
        ewmaNanos = latency > decayed ? latency : decayed + latency * (1 - weight);
        stampNanos = nowNanos;
    }

    public int active()
    {
        return active.get();
    }

    /** The peak-EWMA latency as of the last observation (not decayed to now), 0 before the first. */
    public synchronized double latencyNanos()
    {
        return ewmaNanos;
    }

    /** {@link #cost(long)} now. */
    public double cost()
    {
        return cost(System.nanoTime());
    }

    /**
     * Expected cost of sending one more unit of work here: the latency times the work already waiting, as in
     * Finagle's {@code PeakEwma}. Lower is better. As there, the latency decays towards 0 with the time since it was
     * last observed: a backend that was slow once and then got no more work is tried again after a few decay times,
     * instead of being shunned until the others are loaded enough to cost more.
     *
     * @param nowNanos {@link System#nanoTime()}, on the clock {@link #observe} was given
     */
    public synchronized double cost(final long nowNanos)
    {
        final int open = active.get();
        if (stampNanos == 0)
        {
            return open == 0 ? 0 : PENALTY_NANOS * (open + 1);
        }
        return ewmaNanos * decay(nowNanos) * (open + 1);
    }

    // The weight the average keeps after the time since the last observation: exp(-elapsed / decay).
    private double decay(final long nowNanos)
    {
        return Math.exp(-Math.max(0, nowNanos - stampNanos) / (double)decayNanos);
    }
}
