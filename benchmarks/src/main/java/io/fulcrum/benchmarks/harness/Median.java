package io.fulcrum.benchmarks.harness;

import java.util.Arrays;

/** The median of a harness's rounds: robust to the one round a shared machine spoiled, as a mean is not. */
public final class Median
{
    private Median()
    {
    }

    /** The middle value, the mean of the middle two for an even count; NaN for none. */
    public static double of(final double[] values)
    {
        if (values.length == 0)
        {
            return Double.NaN;
        }
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
