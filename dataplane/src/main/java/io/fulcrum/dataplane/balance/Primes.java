package io.fulcrum.dataplane.balance;

/** Primality for Maglev table sizes (the paper's permutations need a prime size). */
public final class Primes
{
    private Primes()
    {
    }

    /** Deterministic trial division; at most about 23 000 divisions for an int. */
    public static boolean isPrime(final int value)
    {
        if (value < 2)
        {
            return false;
        }
        if (value % 2 == 0)
        {
            return value == 2;
        }
        if (value % 3 == 0)
        {
            return value == 3;
        }
        for (long d = 5; d * d <= value; d += 6)
        {
            if (value % d == 0 || value % (d + 2) == 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * The largest prime at most {@code value}.
     *
     * @throws IllegalArgumentException when {@code value} is below 2: no prime is
     */
    public static int previousPrime(final int value)
    {
        if (value < 2)
        {
            throw new IllegalArgumentException("no prime is at most " + value);
        }
        if (value == 2)
        {
            return 2;
        }
        int candidate = (value & 1) == 0 ? value - 1 : value;
        while (!isPrime(candidate))
        {
            candidate -= 2;
        }
        return candidate;
    }

    /** The smallest prime at least {@code value}; 2 for anything below 2. */
    public static int nextPrime(final int value)
    {
        if (value <= 2)
        {
            return 2;
        }
        if (value > 2_147_483_647 - 1)
        {
            return 2_147_483_647; // Integer.MAX_VALUE is prime (a Mersenne prime, 2^31 - 1)
        }
        int candidate = value | 1;
        while (!isPrime(candidate))
        {
            candidate += 2;
        }
        return candidate;
    }
}
