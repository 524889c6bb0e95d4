package io.fulcrum.proxy.pool;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.dataplane.balance.scheduler.Scheduler;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Backends and small schedulers for the proxy's tests (the real policies live in the packet core's balance/). */
public final class TestPools
{
    private TestPools()
    {
    }

    public static Candidate candidate(final int id, final InetSocketAddress address)
    {
        return new Candidate(new Backend(id, address.getAddress(), 1, BackendState.ACTIVE, 0), new BackendLoad());
    }

    /** Publishes {@code addresses} as backends 1, 2, ... and returns their candidates. */
    public static List<Candidate> publish(final BackendSet set, final Function<List<Candidate>, Scheduler> schedulers,
        final InetSocketAddress... addresses)
    {
        final List<Candidate> candidates = new ArrayList<>();
        final Map<Integer, InetSocketAddress> byId = new HashMap<>();
        for (int i = 0; i < addresses.length; i++)
        {
            candidates.add(candidate(i + 1, addresses[i]));
            byId.put(i + 1, addresses[i]);
        }
        set.publish(candidates, schedulers, byId);
        return candidates;
    }

    /** Always the first candidate that takes work, whatever the hashes (as least-connections with nothing open). */
    public static Scheduler firstTakingWork(final List<Candidate> candidates)
    {
        return (flowHash, clientHash) ->
        {
            for (final Candidate candidate : candidates)
            {
                if (takesWork(candidate))
                {
                    return candidate;
                }
            }
            return null;
        };
    }

    /** Each pick the next candidate that takes work. */
    public static Scheduler roundRobin(final List<Candidate> candidates)
    {
        final AtomicInteger next = new AtomicInteger();
        return (flowHash, clientHash) ->
        {
            for (int i = 0; i < candidates.size(); i++)
            {
                final Candidate candidate = candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
                if (takesWork(candidate))
                {
                    return candidate;
                }
            }
            return null;
        };
    }

    /** The candidate the flow hash lands on, as a hash policy would. */
    public static Scheduler byHash(final List<Candidate> candidates)
    {
        return (flowHash, clientHash) -> candidates.get((int)Math.floorMod(flowHash, (long)candidates.size()));
    }

    private static boolean takesWork(final Candidate candidate)
    {
        return candidate.backend().state() == BackendState.ACTIVE && candidate.backend().weight() > 0;
    }
}
