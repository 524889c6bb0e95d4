package io.fulcrum.proxy.pool;

import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.dataplane.balance.scheduler.Scheduler;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The backends one proxied service sends to, as last published: a scheduler built for the current weights, drain and
 * health, and each backend's socket address. The control plane replaces the whole snapshot at once; event loops read
 * it without locks.
 *
 * <p>Passive health ({@link OutlierDetector}) sits on top: the proxies report each connect or request with
 * {@link #reportSuccess} or {@link #reportFailure}, and an ejected backend is not picked. Published with a scheduler
 * factory ({@link #publish(List, Function, Map)}), the scheduler is rebuilt over the candidates not ejected whenever
 * an ejection starts or ends, so every policy sees the filtered set, as Envoy's load balancers see a host set that
 * outlier detection has already filtered. Published with a ready scheduler, an ejected pick is re-picked with other
 * hashes, which steers hash and rotating policies but not one that keeps choosing the same least-loaded backend.
 */
public final class BackendSet
{
    private static final Snapshot EMPTY = new Snapshot((flowHash, clientHash) -> null, Map.of(), null, null, 0, -1);
    private static final int REPICKS = 8;

    private final OutlierDetector outliers;
    private volatile Snapshot snapshot = EMPTY;

    /** With Envoy's outlier detection defaults on the system clock. */
    public BackendSet()
    {
        this(OutlierDetector.Settings.DEFAULTS, System::nanoTime);
    }

    /** @param clock nanoseconds, monotonic: what ejections are timed on */
    public BackendSet(final OutlierDetector.Settings outlierDetection, final LongSupplier clock)
    {
        this.outliers = new OutlierDetector(outlierDetection, clock);
    }

    /**
     * @param scheduler built over the candidates of {@code addresses}
     * @param addresses where each candidate's backend is reached, by backend id
     */
    public void publish(final Scheduler scheduler, final Map<Integer, InetSocketAddress> addresses)
    {
        final Map<Integer, InetSocketAddress> copy = Map.copyOf(addresses);
        outliers.retain(copy.keySet());
        snapshot = new Snapshot(scheduler, copy, null, null, copy.size(), -1);
    }

    /**
     * @param candidates every backend of the service with its weight, state and load
     * @param schedulers builds the service's scheduler over a list of candidates: called now and again whenever the
     *                   set of ejected backends changes, with the ejected ones left out
     * @param addresses  where each candidate's backend is reached, by backend id
     */
    public void publish(final List<Candidate> candidates, final Function<List<Candidate>, Scheduler> schedulers,
        final Map<Integer, InetSocketAddress> addresses)
    {
        final Map<Integer, InetSocketAddress> copy = Map.copyOf(addresses);
        final List<Candidate> all = List.copyOf(candidates);
        outliers.retain(copy.keySet());
        int takingWork = 0;
        for (final Candidate candidate : all)
        {
            takingWork += takesWork(candidate) ? 1 : 0;
        }
        synchronized (this)
        {
            snapshot = filtered(new Snapshot(null, copy, all, schedulers, takingWork, -1));
        }
    }

    /** @return the backend for a new connection or request, or null when none takes new work */
    public ProxyTarget pick(final long flowHash, final long clientHash)
    {
        final Snapshot current = current();
        final ProxyTarget target = current.target(current.scheduler.pick(flowHash, clientHash));
        if (target == null || !outliers.isEjected(target.backendId()))
        {
            return target;
        }
        final ProxyTarget other = pickAvoiding(current, flowHash, clientHash, List.of());
        return other != null ? other : target;
    }

    /**
     * Another backend than the ones already tried, for a retry after a failed connect: the scheduler is asked again
     * with varied hashes a few times (so weights and load still count), then any candidate not yet tried is taken.
     * Ejected backends are skipped while others are left.
     *
     * @return null when every backend has been tried or none takes new work
     */
    public ProxyTarget pickOther(final long flowHash, final long clientHash, final List<ProxyTarget> tried)
    {
        return pickAvoiding(current(), flowHash, clientHash, tried);
    }

    /** A connection to the backend was established, or a request to it answered without a server error. */
    public void reportSuccess(final ProxyTarget target)
    {
        outliers.reportSuccess(target.backendId());
    }

    /**
     * A connect to the backend failed or timed out, it reset a connection mid-stream, or (HTTP) answered 5xx.
     *
     * @return true when this failure ejected it
     */
    public boolean reportFailure(final ProxyTarget target)
    {
        return outliers.reportFailure(target.backendId(), snapshot.takingWork);
    }

    /** The backends ejected now, with when they return (for ctl and metrics). */
    public List<OutlierDetector.Ejection> ejections()
    {
        return outliers.ejections();
    }

    /**
     * The scheduler's choice with other hashes, then any candidate that takes work, skipping those tried; an ejected
     * backend is taken only when nothing else is left, since trying it beats refusing the client.
     */
    private ProxyTarget pickAvoiding(final Snapshot current, final long flowHash, final long clientHash,
        final List<ProxyTarget> tried)
    {
        ProxyTarget lastResort = null;
        long flow = flowHash;
        long client = clientHash;
        for (int attempt = 0; attempt < REPICKS; attempt++)
        {
            flow = mix(flow + attempt + 1);
            client = mix(client + attempt + 1);
            final ProxyTarget target = current.target(current.scheduler.pick(flow, client));
            if (target != null && !triedAlready(target.backendId(), tried))
            {
                if (!outliers.isEjected(target.backendId()))
                {
                    return target;
                }
                lastResort = lastResort == null ? target : lastResort;
            }
        }
        final List<Candidate> candidates = current.candidates;
        if (candidates == null || candidates.isEmpty())
        {
            return lastResort;
        }
        // The scheduler keeps choosing backends already tried: take the next one that works, from a point that
        // differs per flow so that retries spread.
        final int start = (int)Math.floorMod(flow, (long)candidates.size());
        for (int i = 0; i < candidates.size(); i++)
        {
            final Candidate candidate = candidates.get((start + i) % candidates.size());
            final ProxyTarget target = takesWork(candidate) && !triedAlready(candidate.backend().id(), tried) ?
                current.target(candidate) : null;
            if (target != null)
            {
                if (!outliers.isEjected(target.backendId()))
                {
                    return target;
                }
                lastResort = lastResort == null ? target : lastResort;
            }
        }
        return lastResort;
    }

    private static boolean triedAlready(final int backendId, final List<ProxyTarget> tried)
    {
        for (final ProxyTarget previous : tried)
        {
            if (previous.backendId() == backendId)
            {
                return true;
            }
        }
        return false;
    }

    private Snapshot current()
    {
        final Snapshot current = snapshot;
        if (current.schedulers == null || current.outlierVersion == outliers.version())
        {
            return current;
        }
        synchronized (this)
        {
            final Snapshot latest = snapshot;
            if (latest.outlierVersion == outliers.version())
            {
                return latest;
            }
            snapshot = filtered(latest);
            return snapshot;
        }
    }

    /** The snapshot with its scheduler rebuilt over the candidates not ejected now. */
    private Snapshot filtered(final Snapshot base)
    {
        final long version = outliers.version();
        final List<Candidate> inService = new ArrayList<>(base.candidates.size());
        for (final Candidate candidate : base.candidates)
        {
            if (!outliers.isEjected(candidate.backend().id()))
            {
                inService.add(candidate);
            }
        }
        return new Snapshot(base.schedulers.apply(inService), base.addresses, base.candidates, base.schedulers,
            base.takingWork, version);
    }

    private static boolean takesWork(final Candidate candidate)
    {
        return candidate.backend().state() == BackendState.ACTIVE && candidate.backend().weight() > 0;
    }

    /** Stafford's variant 13 of the SplitMix64 finaliser: a retry lands on an unrelated slot. */
    private static long mix(final long value)
    {
        long z = value * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * @param candidates     every candidate, when published with a factory (null otherwise)
     * @param schedulers     the factory, or null
     * @param takingWork     how many backends take new work: the base of the ejection share
     * @param outlierVersion the detector's version the scheduler was built for; -1 for a ready scheduler
     */
    private record Snapshot(Scheduler scheduler, Map<Integer, InetSocketAddress> addresses, List<Candidate> candidates,
        Function<List<Candidate>, Scheduler> schedulers, int takingWork, long outlierVersion)
    {
        ProxyTarget target(final Candidate candidate)
        {
            if (candidate == null)
            {
                return null;
            }
            final InetSocketAddress address = addresses.get(candidate.backend().id());
            return address == null ? null : new ProxyTarget(candidate, address);
        }
    }
}
