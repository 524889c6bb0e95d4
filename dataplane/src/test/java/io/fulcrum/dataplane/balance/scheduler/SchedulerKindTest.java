package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.MaglevTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.candidate;
import static io.fulcrum.dataplane.balance.scheduler.TestCandidates.picksPerBackend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every scheduler does alike: health, drain and weight take effect, and a pick allocates nothing. */
class SchedulerKindTest
{
    private static final int M = MaglevTable.DEFAULT_SIZE;

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void isFoundByItsYamlName(final SchedulerKind kind)
    {
        assertSame(kind, SchedulerKind.ofYamlName(kind.yamlName()));
    }

    @Test
    void anUnknownNameIsRefusedWithTheNamesThereAre()
    {
        final IllegalArgumentException refused =
            assertThrows(IllegalArgumentException.class, () -> SchedulerKind.ofYamlName("leastconn"));
        assertEquals("unknown scheduler 'leastconn': one of maglev, ip-hash, round-robin, least-connections, " +
            "least-response-time, random-two-choices", refused.getMessage());
    }

    @Test
    void onlyLeastResponseTimeNeedsResponses()
    {
        for (final SchedulerKind kind : SchedulerKind.values())
        {
            assertEquals(kind == SchedulerKind.LEAST_RESPONSE_TIME, kind.needsResponses(), kind.yamlName());
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void withoutCandidatesNobodyIsPicked(final SchedulerKind kind)
    {
        assertNull(kind.build(List.of(), M).pick(1, 2));
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void drainedDownAndWeightZeroBackendsTakeNoNewWork(final SchedulerKind kind)
    {
        final List<Candidate> none = List.of(
            candidate(0, 1, BackendState.DRAINING), candidate(1, 1, BackendState.DOWN), candidate(2, 0));
        assertNull(kind.build(none, M).pick(1, 2));

        final List<Candidate> some = new ArrayList<>(none);
        some.add(candidate(3, 1));
        some.add(candidate(4, 2));
        final int[] picks = picksPerBackend(kind.build(some, M), 4, 3000);
        assertEquals(0, picks[0] + picks[1] + picks[2]);
        assertTrue(picks[3] > 0 && picks[4] > 0, "both active backends are picked");
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void aSingleCandidateTakesAllWork(final SchedulerKind kind)
    {
        final Candidate only = candidate(7, 3);
        final Scheduler scheduler = kind.build(List.of(candidate(1, 1, BackendState.DOWN), only), M);
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 100; i++)
        {
            assertSame(only, scheduler.pick(random.nextLong(), random.nextLong()));
        }
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void weightThreeToOneGetsThreeQuartersOfIdleBackends(final SchedulerKind kind)
    {
        final int[] picks = picksPerBackend(kind.build(List.of(candidate(0, 3), candidate(1, 1)), M), 1, 8000);
        assertEquals(0.75, picks[0] / 8000.0, 0.03);
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void aPickAllocatesNothing(final SchedulerKind kind)
    {
        final List<Candidate> candidates = new ArrayList<>();
        for (int id = 0; id < 16; id++)
        {
            candidates.add(candidate(id, 1 + id % 4));
            candidates.get(id).load().observe(1_000_000 + id, System.nanoTime());
        }
        final Scheduler scheduler = kind.build(candidates, M);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        picks(scheduler, 10_000);
        // The best of three rounds: a pick that allocates does so in every round; the JVM's own first-time work
        // (a few dozen bytes, once) does not.
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            final long chosen = picks(scheduler, 100_000);
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
            assertTrue(chosen > 0);
        }
        assertEquals(0, allocated, "bytes allocated by 100 000 picks");
    }

    private static long picks(final Scheduler scheduler, final int count)
    {
        long sum = 0;
        long hash = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < count; i++)
        {
            hash = hash * 6364136223846793005L + 1442695040888963407L;
            sum += scheduler.pick(hash, Long.rotateLeft(hash, 29)).backend().id();
        }
        return sum;
    }
}
