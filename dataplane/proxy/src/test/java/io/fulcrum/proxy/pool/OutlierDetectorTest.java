package io.fulcrum.proxy.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutlierDetectorTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final OutlierDetector detector = new OutlierDetector(OutlierDetector.Settings.DEFAULTS, clock::get);

    @Test
    void fiveFailuresInARowEjectForThirtySeconds()
    {
        fail(1, 4);
        assertFalse(detector.isEjected(1));
        assertTrue(detector.reportFailure(1, 4));
        assertTrue(detector.isEjected(1));
        advance(30 * SECOND - 1);
        assertTrue(detector.isEjected(1));
        advance(1);
        assertFalse(detector.isEjected(1));
        assertEquals(List.of(), detector.ejections());
    }

    @Test
    void aSuccessEndsTheRunOfFailures()
    {
        fail(1, 4);
        detector.reportSuccess(1);
        fail(1, 4);
        assertFalse(detector.isEjected(1));
        fail(1, 1);
        assertTrue(detector.isEjected(1));
    }

    @Test
    void eachEjectionLastsLongerUpToFiveMinutes()
    {
        final long[] expected = {30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300};
        for (final long seconds : expected)
        {
            fail(1, 5);
            final OutlierDetector.Ejection ejection = detector.ejections().getFirst();
            assertEquals(Duration.ofSeconds(seconds), ejection.remaining());
            // Failing again as soon as it returns: no time in service to earn a shorter ejection.
            advance(ejection.untilNanos() - clock.get());
            assertFalse(detector.isEjected(1));
        }
    }

    @Test
    void timeInServiceShortensTheNextEjection()
    {
        fail(1, 5);
        advance(30 * SECOND);
        fail(1, 5);
        advance(60 * SECOND);
        fail(1, 5);
        assertEquals(3, detector.ejections().getFirst().ejections());
        advance(90 * SECOND);
        // Two base intervals in service take two ejections off the count: the next one is the second again.
        advance(60 * SECOND);
        fail(1, 5);
        assertEquals(2, detector.ejections().getFirst().ejections());
        assertEquals(Duration.ofSeconds(60), detector.ejections().getFirst().remaining());
    }

    @Test
    void neverEjectsMoreThanHalfOfTheBackendsNorALoneOne()
    {
        fail(1, 5);
        fail(2, 5);
        assertTrue(detector.isEjected(1));
        assertFalse(detector.isEjected(2), "with two backends, the second must stay");

        final OutlierDetector lone = new OutlierDetector(OutlierDetector.Settings.DEFAULTS, clock::get);
        for (int i = 0; i < 10; i++)
        {
            assertFalse(lone.reportFailure(7, 1));
        }
        assertFalse(lone.isEjected(7));

        final OutlierDetector four = new OutlierDetector(OutlierDetector.Settings.DEFAULTS, clock::get);
        for (int backend = 1; backend <= 4; backend++)
        {
            for (int i = 0; i < 5; i++)
            {
                four.reportFailure(backend, 4);
            }
        }
        assertEquals(List.of(1, 2), four.ejections().stream().map(OutlierDetector.Ejection::backendId).toList());
    }

    @Test
    void aBackendHeldBackByTheShareIsEjectedOnceAnotherReturns()
    {
        fail(1, 5);
        fail(2, 5);
        assertFalse(detector.isEjected(2));
        advance(30 * SECOND);
        assertTrue(detector.reportFailure(2, 2));
        assertFalse(detector.isEjected(1));
        assertTrue(detector.isEjected(2));
    }

    @Test
    void offNeverEjects()
    {
        final OutlierDetector off = new OutlierDetector(OutlierDetector.Settings.OFF, clock::get);
        for (int i = 0; i < 100; i++)
        {
            assertFalse(off.reportFailure(1, 10));
        }
        assertFalse(off.isEjected(1));
    }

    @Test
    void theVersionChangesWhenAnEjectionStartsAndWhenItEnds()
    {
        final long before = detector.version();
        fail(1, 5);
        final long ejected = detector.version();
        assertTrue(ejected != before);
        assertEquals(ejected, detector.version());
        advance(30 * SECOND);
        assertTrue(detector.version() != ejected);
    }

    private void fail(final int backendId, final int times)
    {
        for (int i = 0; i < times; i++)
        {
            detector.reportFailure(backendId, 2);
        }
    }

    private void advance(final long nanos)
    {
        clock.addAndGet(nanos);
    }
}
