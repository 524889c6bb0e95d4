package io.fulcrum.proxy.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Passive health of one service's backends, as Envoy's outlier detection does it: a backend whose last
 * {@code consecutiveFailures} connections or requests failed (a refused or timed-out connect, a reset mid-stream, and
 * from the HTTP proxy a 5xx) is ejected, for {@code baseEjection} times the number of times it has been ejected,
 * capped at {@code maxEjection}. A success resets its failure count; each base interval it then spends in service
 * takes one off its ejection count, so a backend that recovered for good comes back to short ejections.
 *
 * <p>Ejection never takes the service below its healthy share: at most {@code maxEjectionPercent} of the backends
 * that take new work are out at once (Envoy's {@code max_ejection_percent}), and a lone backend is never ejected,
 * since refusing every client is worse than trying the one backend there is.
 *
 * <p>Thread-safe. The pick path ({@link #isEjected}) reads one volatile when nothing is ejected; reports of success
 * touch one atomic; ejection decisions, which are rare, take the detector's lock.
 */
public final class OutlierDetector
{
    /**
     * @param consecutiveFailures failures in a row that eject a backend; 0 turns passive health off
     * @param baseEjection        the first ejection's length; the n-th lasts n times as long
     * @param maxEjection         the longest ejection
     * @param maxEjectionPercent  the largest share of the backends taking new work that may be ejected at once
     */
    public record Settings(int consecutiveFailures, Duration baseEjection, Duration maxEjection, int maxEjectionPercent)
    {
        /** Envoy's defaults for consecutive gateway failures (5), base ejection (30 s), max ejection (300 s). */
        public static final Settings DEFAULTS = new Settings(5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50);
        public static final Settings OFF = new Settings(0, Duration.ofSeconds(30), Duration.ofMinutes(5), 50);

        public Settings
        {
            if (consecutiveFailures < 0)
            {
                throw new IllegalArgumentException("consecutive failures must not be negative: " + consecutiveFailures);
            }
            if (baseEjection.isNegative() || baseEjection.isZero() || maxEjection.compareTo(baseEjection) < 0)
            {
                throw new IllegalArgumentException("ejection times must be positive and max >= base: " +
                    baseEjection + ", " + maxEjection);
            }
            if (maxEjectionPercent < 0 || maxEjectionPercent > 100)
            {
                throw new IllegalArgumentException("max ejection percent must be 0..100: " + maxEjectionPercent);
            }
        }
    }

    /**
     * An ejected backend, for {@code ctl backends}, the status page and {@code /metrics}.
     *
     * @param backendId   the backend's id
     * @param untilNanos  on the detector's clock, when it takes new work again
     * @param remaining   how long from now
     * @param ejections   how many times it has been ejected (what the current ejection's length was multiplied by)
     */
    public record Ejection(int backendId, long untilNanos, Duration remaining, int ejections)
    {
    }

    private final Settings settings;
    private final LongSupplier clock;
    private final long baseNanos;
    private final long maxNanos;
    private final Map<Integer, Outlier> outliers = new ConcurrentHashMap<>();
    /** Backends ejected and not yet seen back in service: 0 lets the pick path skip the clock. */
    private volatile int ejectedCount;
    /** When the earliest ejection runs out. */
    private volatile long nextReturnNanos;
    /** Bumped whenever the ejected set changes, so a scheduler built over the rest knows it is stale. */
    private volatile long version;

    /**
     * @param clock nanoseconds, monotonic ({@code System::nanoTime}; a test passes its own)
     */
    public OutlierDetector(final Settings settings, final LongSupplier clock)
    {
        this.settings = settings;
        this.clock = clock;
        this.baseNanos = settings.baseEjection().toNanos();
        this.maxNanos = settings.maxEjection().toNanos();
    }

    public Settings settings()
    {
        return settings;
    }

    /** A connection was established or a request answered: the backend's run of failures ends. */
    public void reportSuccess(final int backendId)
    {
        final Outlier outlier = outliers.get(backendId);
        if (outlier != null && outlier.consecutiveFailures.get() != 0)
        {
            outlier.consecutiveFailures.set(0);
        }
    }

    /**
     * A connect failed or timed out, a backend reset mid-stream or answered 5xx.
     *
     * @param takingWork how many backends of the service take new work now: the base of the ejection share
     * @return true when this failure ejected the backend
     */
    public boolean reportFailure(final int backendId, final int takingWork)
    {
        if (settings.consecutiveFailures() == 0)
        {
            return false;
        }
        final Outlier outlier = outliers.computeIfAbsent(backendId, id -> new Outlier());
        if (outlier.consecutiveFailures.incrementAndGet() < settings.consecutiveFailures())
        {
            return false;
        }
        return eject(backendId, outlier, takingWork);
    }

    /** Whether the backend is ejected now: the pick path asks this for every candidate it is offered. */
    public boolean isEjected(final int backendId)
    {
        if (ejectedCount == 0)
        {
            return false;
        }
        final Outlier outlier = outliers.get(backendId);
        return outlier != null && outlier.ejected && clock.getAsLong() - outlier.untilNanos < 0;
    }

    /**
     * The version of the ejected set, after returning to service those whose ejection has run out. A caller that
     * built something over the backends not ejected rebuilds it when this changes.
     */
    public long version()
    {
        if (ejectedCount != 0)
        {
            returnExpired(clock.getAsLong());
        }
        return version;
    }

    /** The backends ejected now, for the operator. */
    public List<Ejection> ejections()
    {
        final long now = clock.getAsLong();
        returnExpired(now);
        final List<Ejection> ejections = new ArrayList<>();
        synchronized (this)
        {
            for (final Map.Entry<Integer, Outlier> entry : outliers.entrySet())
            {
                final Outlier outlier = entry.getValue();
                if (outlier.ejected)
                {
                    ejections.add(new Ejection(entry.getKey(), outlier.untilNanos,
                        Duration.ofNanos(Math.max(0, outlier.untilNanos - now)), outlier.ejections));
                }
            }
        }
        ejections.sort((a, b) -> Integer.compare(a.backendId(), b.backendId()));
        return ejections;
    }

    /** Forgets the backends no longer in the service, so a backend id reused later starts clean. */
    public synchronized void retain(final Collection<Integer> backendIds)
    {
        if (outliers.keySet().retainAll(backendIds))
        {
            recount();
        }
    }

    private synchronized boolean eject(final int backendId, final Outlier outlier, final int takingWork)
    {
        final long now = clock.getAsLong();
        returnExpired(now);
        if (outlier.ejected)
        {
            return false;
        }
        // The share counts this backend too: with 2 backends and 50 % one may go, with 1 none.
        if ((long)(ejectedCount + 1) * 100 > (long)takingWork * settings.maxEjectionPercent())
        {
            return false;
        }
        final long healthyIntervals = outlier.ejections == 0 ? 0 : (now - outlier.returnedNanos) / baseNanos;
        outlier.ejections = (int)Math.max(0, outlier.ejections - healthyIntervals) + 1;
        outlier.untilNanos = now + Math.min(maxNanos, baseNanos * outlier.ejections);
        outlier.ejected = true;
        outlier.consecutiveFailures.set(0);
        recount();
        return true;
    }

    private void returnExpired(final long now)
    {
        if (ejectedCount == 0 || now - nextReturnNanos < 0)
        {
            return;
        }
        synchronized (this)
        {
            for (final Outlier outlier : outliers.values())
            {
                if (outlier.ejected && now - outlier.untilNanos >= 0)
                {
                    outlier.ejected = false;
                    outlier.returnedNanos = outlier.untilNanos;
                }
            }
            recount();
        }
    }

    private void recount()
    {
        int count = 0;
        long next = Long.MAX_VALUE;
        for (final Outlier outlier : outliers.values())
        {
            if (outlier.ejected)
            {
                next = count == 0 || outlier.untilNanos - next < 0 ? outlier.untilNanos : next;
                count++;
            }
        }
        nextReturnNanos = next;
        ejectedCount = count;
        version++;
    }

    private static final class Outlier
    {
        final AtomicInteger consecutiveFailures = new AtomicInteger();
        // Written under the detector's lock; ejected and untilNanos are read without it on the pick path.
        volatile boolean ejected;
        volatile long untilNanos;
        int ejections;
        long returnedNanos;
    }
}
