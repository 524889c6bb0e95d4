package io.fulcrum.dataplane.balance;

/**
 * {@code round-robin} for the packet path: one period of nginx's smooth weighted round robin
 * ({@code ngx_http_upstream_get_peer}) written out as backend ids, so that a worker's pick for a new flow is an array
 * load and a cursor step, with no scan and no state shared with other workers. Each step adds every backend's weight
 * to its credit, takes the backend with the most credit (the first of equals) and takes the total weight off it; the
 * period is the sum of the weights divided by their greatest common divisor, and in it each backend appears exactly
 * {@code weight / gcd} times, spread out: weights 5, 1, 1 give a a b a c a a.
 *
 * <p>A period is at most {@link #MAX_PERIOD} picks: weights whose reduced sum is larger are first scaled down in
 * proportion (each keeping at least 1), which moves a backend's share by less than one pick in {@link #MAX_PERIOD}.
 * Built once per published table, in {@code O(period x backends)}.
 */
public final class RoundRobinSequence
{
    /** The longest sequence built: as many ints as a default Maglev table. */
    public static final int MAX_PERIOD = 1 << 16;

    private RoundRobinSequence()
    {
    }

    /**
     * @param backendIds the backends that take new flows, in the order ties are broken
     * @param weights    their weights, each above 0
     * @return one period of picks, empty when there are no backends
     */
    public static int[] build(final int[] backendIds, final int[] weights)
    {
        final int count = backendIds.length;
        if (count == 0)
        {
            return new int[0];
        }
        final long[] reduced = reduce(weights);
        long total = 0;
        for (final long weight : reduced)
        {
            total += weight;
        }
        final int[] sequence = new int[(int)total];
        final long[] credit = new long[count];
        for (int step = 0; step < sequence.length; step++)
        {
            int best = 0;
            for (int i = 0; i < count; i++)
            {
                credit[i] += reduced[i];
                if (credit[i] > credit[best])
                {
                    best = i;
                }
            }
            credit[best] -= total;
            sequence[step] = backendIds[best];
        }
        return sequence;
    }

    /** The weights divided by their gcd, scaled down first when their sum would exceed {@link #MAX_PERIOD}. */
    private static long[] reduce(final int[] weights)
    {
        long total = 0;
        long common = 0;
        for (final int weight : weights)
        {
            if (weight <= 0)
            {
                throw new IllegalArgumentException("round-robin weights must be above 0: " + weight);
            }
            total += weight;
            common = gcd(common, weight);
        }
        final long[] reduced = new long[weights.length];
        if (total / common <= MAX_PERIOD)
        {
            for (int i = 0; i < weights.length; i++)
            {
                reduced[i] = weights[i] / common;
            }
            return reduced;
        }
        // Scaled to (budget - n) and each rounded down but kept at 1 or more: the sum stays within the budget.
        final long budget = Math.max(MAX_PERIOD, weights.length);
        long scaledCommon = 0;
        for (int i = 0; i < weights.length; i++)
        {
            reduced[i] = Math.max(1, weights[i] * (budget - weights.length) / total);
            scaledCommon = gcd(scaledCommon, reduced[i]);
        }
        for (int i = 0; i < reduced.length; i++)
        {
            reduced[i] /= scaledCommon;
        }
        return reduced;
    }

    private static long gcd(final long a, final long b)
    {
        long x = a;
        long y = b;
        while (y != 0)
        {
            final long t = x % y;
            x = y;
            y = t;
        }
        return x;
    }
}
