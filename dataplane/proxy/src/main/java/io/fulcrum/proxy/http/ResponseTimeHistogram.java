package io.fulcrum.proxy.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Response times in fixed buckets, from 100 us to 10 s in 1-2.5-5 steps, as a Prometheus histogram exports them.
 * Counts are per bucket (not cumulative): the exporter sums them into Prometheus's cumulative {@code le} buckets.
 * Thread-safe; recording is a few adds.
 */
public final class ResponseTimeHistogram
{
    private static final long[] UPPER_BOUNDS_MICROS = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000,
        100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000};

    /** One per bound, and the last for everything above the largest ({@code +Inf}). */
    private final LongAdder[] buckets = new LongAdder[UPPER_BOUNDS_MICROS.length + 1];
    private final LongAdder sumMicros = new LongAdder();

    public ResponseTimeHistogram()
    {
        for (int i = 0; i < buckets.length; i++)
        {
            buckets[i] = new LongAdder();
        }
    }

    public void record(final long nanos)
    {
        final long micros = TimeUnit.NANOSECONDS.toMicros(Math.max(0, nanos));
        int bucket = 0;
        while (bucket < UPPER_BOUNDS_MICROS.length && micros > UPPER_BOUNDS_MICROS[bucket])
        {
            bucket++;
        }
        buckets[bucket].increment();
        sumMicros.add(micros);
    }

    /** The upper bound (inclusive) of each bucket but the last, which has none. */
    public static long[] upperBoundsMicros()
    {
        return UPPER_BOUNDS_MICROS.clone();
    }

    /** {@code upperBoundsMicros().length + 1} counts, the last for the times above every bound. */
    public long[] counts()
    {
        final long[] counts = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++)
        {
            counts[i] = buckets[i].sum();
        }
        return counts;
    }

    public long count()
    {
        long count = 0;
        for (final LongAdder bucket : buckets)
        {
            count += bucket.sum();
        }
        return count;
    }

    public long sumMicros()
    {
        return sumMicros.sum();
    }
}
