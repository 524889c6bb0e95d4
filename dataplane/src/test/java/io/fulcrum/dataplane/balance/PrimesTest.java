package io.fulcrum.dataplane.balance;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrimesTest
{
    @Test
    void knownPrimesArePrime()
    {
        for (final int p : new int[]{2, 3, 5, 7, 11, 13, 251, 65_537, 655_373, 2_147_483_647})
        {
            assertTrue(Primes.isPrime(p), p + " is prime");
        }
    }

    @Test
    void compositesAndSmallNumbersAreNot()
    {
        for (final int c : new int[]{-7, 0, 1, 4, 9, 25, 49, 65_536, 65_535, 46_349 * 46_351, 2_147_483_646})
        {
            assertFalse(Primes.isPrime(c), c + " is not prime");
        }
    }

    @Test
    void nextPrimeIsTheSmallestPrimeNotBelow()
    {
        assertEquals(2, Primes.nextPrime(-5));
        assertEquals(2, Primes.nextPrime(2));
        assertEquals(3, Primes.nextPrime(3));
        assertEquals(5, Primes.nextPrime(4));
        assertEquals(65_537, Primes.nextPrime(65_536));
        assertEquals(65_537, Primes.nextPrime(65_537));
        assertEquals(65_539, Primes.nextPrime(65_538));
    }

    @Test
    void primesBelowFortyAreTheNumbersWithExactlyTwoDivisors()
    {
        final List<Integer> primes = new ArrayList<>();
        for (int n = -1; n < 40; n++)
        {
            if (Primes.isPrime(n))
            {
                primes.add(n);
            }
        }
        assertEquals(List.of(2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37), primes);
    }

    @Test
    void previousPrimeIsTheLargestPrimeNotAbove()
    {
        assertEquals(2, Primes.previousPrime(2));
        assertEquals(3, Primes.previousPrime(3));
        assertEquals(3, Primes.previousPrime(4));
        assertEquals(7, Primes.previousPrime(10));
        assertEquals(65_521, Primes.previousPrime(65_536));
        assertEquals(65_537, Primes.previousPrime(65_537));
        assertEquals(2_147_483_647, Primes.previousPrime(2_147_483_647));
        assertThrows(IllegalArgumentException.class, () -> Primes.previousPrime(1));
    }
}
