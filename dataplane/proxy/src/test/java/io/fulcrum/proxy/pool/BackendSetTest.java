package io.fulcrum.proxy.pool;

import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.scheduler.Candidate;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendSetTest
{
    private final AtomicLong clock = new AtomicLong(1);
    private final BackendSet set = new BackendSet(OutlierDetector.Settings.DEFAULTS, clock::get);
    private final List<Candidate> candidates = List.of(candidate(1), candidate(2), candidate(3));

    @Test
    void anEjectedBackendIsNotPickedEvenByASchedulerThatAlwaysChoosesIt()
    {
        // Like least-connections with nothing open: the same backend every time, whatever the hashes.
        set.publish(candidates, TestPools::firstTakingWork, addresses(candidates));
        final ProxyTarget first = set.pick(1, 1);
        assertEquals(1, first.backendId());
        ejectAll(first);

        for (long hash = 0; hash < 100; hash++)
        {
            assertEquals(2, set.pick(hash, hash).backendId());
        }
        clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
        assertEquals(1, set.pick(1, 1).backendId(), "back after its ejection");
    }

    @Test
    void aReadySchedulerIsRepickedAroundAnEjectedBackend()
    {
        set.publish(TestPools.byHash(candidates), addresses(candidates));
        ejectAll(set.pick(0, 0));
        final int ejected = set.ejections().getFirst().backendId();
        final Set<Integer> picked = new HashSet<>();
        for (long hash = 0; hash < 300; hash++)
        {
            picked.add(set.pick(hash, hash).backendId());
        }
        assertTrue(!picked.contains(ejected) && picked.size() == 2, "picked " + picked + ", ejected " + ejected);
    }

    @Test
    void pickOtherTakesAnUntriedBackendWhenTheSchedulerKeepsChoosingTriedOnes()
    {
        set.publish(candidates, TestPools::firstTakingWork, addresses(candidates));
        final ProxyTarget first = set.pick(5, 5);
        final ProxyTarget second = set.pickOther(5, 5, List.of(first));
        assertNotNull(second);
        final ProxyTarget third = set.pickOther(5, 5, List.of(first, second));
        assertNotNull(third);
        assertEquals(Set.of(1, 2, 3), Set.of(first.backendId(), second.backendId(), third.backendId()));
        assertNull(set.pickOther(5, 5, List.of(first, second, third)));
    }

    @Test
    void pickOtherSkipsDrainedAndEjectedBackends()
    {
        final List<Candidate> drained = List.of(candidate(1), drained(candidate(2)),
            candidate(3), candidate(4));
        set.publish(drained, TestPools::firstTakingWork, addresses(drained));
        ejectAll(new ProxyTarget(drained.get(2), addresses(drained).get(3)));
        final ProxyTarget first = set.pick(9, 9);
        assertEquals(1, first.backendId());
        assertEquals(4, set.pickOther(9, 9, List.of(first)).backendId());
    }

    @Test
    void theLoneBackendOfAServiceIsNeverEjected()
    {
        final List<Candidate> lone = List.of(candidate(1));
        set.publish(lone, TestPools::firstTakingWork, addresses(lone));
        final ProxyTarget only = set.pick(0, 0);
        for (int i = 0; i < 20; i++)
        {
            set.reportFailure(only);
        }
        assertEquals(List.of(), set.ejections());
        assertEquals(1, set.pick(0, 0).backendId());
    }

    @Test
    void aBackendLeavingTheServiceIsForgotten()
    {
        set.publish(candidates, TestPools::firstTakingWork, addresses(candidates));
        ejectAll(set.pick(0, 0));
        assertEquals(1, set.ejections().size());
        final List<Candidate> rest = candidates.subList(1, 3);
        set.publish(rest, TestPools::firstTakingWork, addresses(rest));
        assertEquals(List.of(), set.ejections());
    }

    private static Candidate drained(final Candidate candidate)
    {
        return new Candidate(candidate.backend().withState(BackendState.DRAINING), candidate.load());
    }

    private void ejectAll(final ProxyTarget target)
    {
        for (int i = 0; i < OutlierDetector.Settings.DEFAULTS.consecutiveFailures(); i++)
        {
            set.reportFailure(target);
        }
        assertEquals(target.backendId(), set.ejections().getFirst().backendId());
    }

    private static Candidate candidate(final int id)
    {
        return TestPools.candidate(id, new InetSocketAddress(InetAddress.getLoopbackAddress(), 10_000 + id));
    }

    private static Map<Integer, InetSocketAddress> addresses(final List<Candidate> candidates)
    {
        final Map<Integer, InetSocketAddress> addresses = new HashMap<>();
        for (final Candidate candidate : candidates)
        {
            addresses.put(candidate.backend().id(), new InetSocketAddress(candidate.backend().address(),
                10_000 + candidate.backend().id()));
        }
        return addresses;
    }
}
