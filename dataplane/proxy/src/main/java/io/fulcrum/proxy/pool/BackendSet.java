package io.fulcrum.proxy.pool;

import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.dataplane.balance.scheduler.Scheduler;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The backends one proxied service sends to, as last published: a scheduler built for the current weights, drain and
 * health, and each backend's socket address. The control plane replaces the whole snapshot at once; event loops read
 * it without locks.
 */
public final class BackendSet
{
    private static final Snapshot EMPTY = new Snapshot((flowHash, clientHash) -> null, Map.of());

    private volatile Snapshot snapshot = EMPTY;

    /**
     * @param scheduler built over the candidates of {@code addresses}
     * @param addresses where each candidate's backend is reached, by backend id
     */
    public void publish(final Scheduler scheduler, final Map<Integer, InetSocketAddress> addresses)
    {
        snapshot = new Snapshot(scheduler, Map.copyOf(addresses));
    }

    /** @return the backend for a new connection or request, or null when none takes new work */
    public ProxyTarget pick(final long flowHash, final long clientHash)
    {
        final Snapshot current = snapshot;
        return current.target(current.scheduler.pick(flowHash, clientHash));
    }

    /**
     * Another backend than the ones already tried, for a retry after a failed connect: the scheduler is asked again
     * with varied hashes a few times (so weights and load still count), then any candidate not yet tried is taken.
     *
     * @return null when every backend has been tried or none takes new work
     */
    public ProxyTarget pickOther(final long flowHash, final long clientHash, final List<ProxyTarget> tried)
    {
        final Snapshot current = snapshot;
        long flow = flowHash;
        long client = clientHash;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            flow = mix(flow + attempt + 1);
            client = mix(client + attempt + 1);
            final ProxyTarget target = current.target(current.scheduler.pick(flow, client));
            if (target != null && !triedAlready(target, tried))
            {
                return target;
            }
        }
        return null;
    }

    private static boolean triedAlready(final ProxyTarget target, final List<ProxyTarget> tried)
    {
        for (final ProxyTarget previous : tried)
        {
            if (previous.backendId() == target.backendId())
            {
                return true;
            }
        }
        return false;
    }

    /** Stafford's variant 13 of the SplitMix64 finaliser: a retry lands on an unrelated slot. */
    private static long mix(final long value)
    {
        long z = value * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private record Snapshot(Scheduler scheduler, Map<Integer, InetSocketAddress> addresses)
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
