package io.fulcrum.proxy.http;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.dataplane.balance.scheduler.Scheduler;
import io.fulcrum.proxy.pool.BackendSet;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The candidates in turn, whatever the hashes: which backend a test's request meets first is known. */
final class RotatingScheduler implements Scheduler
{
    private final List<Candidate> candidates;
    private final AtomicInteger next = new AtomicInteger();

    private RotatingScheduler(final List<Candidate> candidates)
    {
        this.candidates = candidates;
    }

    /** A backend set over {@code addresses}, backend ids 1, 2, ... in order; the first pick is the first address. */
    static BackendSet backendSet(final InetSocketAddress... addresses)
    {
        final List<Candidate> candidates = new ArrayList<>();
        final Map<Integer, InetSocketAddress> byId = new HashMap<>();
        for (int i = 0; i < addresses.length; i++)
        {
            final int id = i + 1;
            candidates.add(new Candidate(new Backend(id, addresses[i].getAddress(), 1, BackendState.ACTIVE, 0),
                new BackendLoad()));
            byId.put(id, addresses[i]);
        }
        final BackendSet set = new BackendSet();
        set.publish(new RotatingScheduler(candidates), byId);
        return set;
    }

    @Override
    public Candidate pick(final long flowHash, final long clientHash)
    {
        return candidates.isEmpty() ? null : candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
    }
}
