package io.fulcrum.dataplane.balance;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaglevTableTest
{
    private static final int M = MaglevTable.DEFAULT_SIZE;

    @Test
    void tenEqualBackendsEachHoldATenthOfSlots()
    {
        assertSharesMatchWeights(10, equalWeights(10));
    }

    @Test
    void hundredEqualBackendsEachHoldAHundredthOfSlots()
    {
        assertSharesMatchWeights(100, equalWeights(100));
    }

    @Test
    void tenWeightedBackendsHoldSlotsInProportionToWeight()
    {
        assertSharesMatchWeights(10, new int[]{1, 2, 3, 4, 5, 10, 1, 1, 7, 100});
    }

    @Test
    void hundredWeightedBackendsHoldSlotsInProportionToWeight()
    {
        final int[] weights = new int[100];
        for (int i = 0; i < weights.length; i++)
        {
            weights[i] = 1 + (i * 7) % 16;
        }
        assertSharesMatchWeights(100, weights);
    }

    @Test
    void backendOfWeightZeroHoldsNoSlots()
    {
        final int[] weights = {5, 0, 5};
        final MaglevTable table = MaglevTable.build(ids(3), keys(3), weights, M);
        assertEquals(0, table.slotsOf(1));
        assertEquals(M, table.slotsOf(0) + table.slotsOf(2));
    }

    @Test
    void tableWithoutBackendsPicksNone()
    {
        final MaglevTable empty = MaglevTable.build(new int[0], new long[0], new int[0], M);
        final MaglevTable allZero = MaglevTable.build(ids(2), keys(2), new int[]{0, 0}, M);
        assertEquals(MaglevTable.NO_BACKEND, empty.pick(0x1234_5678_9abc_def0L));
        assertEquals(MaglevTable.NO_BACKEND, allZero.pick(-1L));
    }

    @Test
    void removingOneOfTenBackendsRemapsAboutATenthOfSlots()
    {
        assertRemovalDisruptsLittle(10);
    }

    @Test
    void removingOneOfHundredBackendsRemapsAboutAHundredthOfSlots()
    {
        assertRemovalDisruptsLittle(100);
    }

    @Test
    void sameInputsGiveTheSameTable()
    {
        final int[] weights = {3, 1, 4, 1, 5, 9, 2, 6};
        final MaglevTable a = MaglevTable.build(ids(8), keys(8), weights, M);
        final MaglevTable b = MaglevTable.build(ids(8), keys(8), weights.clone(), M);
        assertArrayEquals(slots(a), slots(b));
    }

    @Test
    void backendOrderDoesNotChangeTheTable()
    {
        final int[] ids = ids(5);
        final long[] keys = keys(5);
        final int[] weights = {1, 2, 3, 4, 5};
        final int[] reversedIds = new int[5];
        final long[] reversedKeys = new long[5];
        final int[] reversedWeights = new int[5];
        for (int i = 0; i < 5; i++)
        {
            reversedIds[i] = ids[4 - i];
            reversedKeys[i] = keys[4 - i];
            reversedWeights[i] = weights[4 - i];
        }
        assertArrayEquals(
            slots(MaglevTable.build(ids, keys, weights, M)),
            slots(MaglevTable.build(reversedIds, reversedKeys, reversedWeights, M)));
    }

    @Test
    void nonPrimeSizeIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> MaglevTable.build(ids(2), keys(2), equalWeights(2), 65536));
        assertThrows(IllegalArgumentException.class, () -> MaglevTable.build(ids(2), keys(2), equalWeights(2), 1));
    }

    @Test
    void negativeWeightDuplicateIdAndMismatchedLengthsAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> MaglevTable.build(ids(2), keys(2), new int[]{1, -1}, M));
        assertThrows(IllegalArgumentException.class, () -> MaglevTable.build(new int[]{4, 4}, keys(2), equalWeights(2), M));
        assertThrows(IllegalArgumentException.class, () -> MaglevTable.build(ids(3), keys(2), equalWeights(3), M));
    }

    @Test
    void pickSpreadsFlowHashesLikeTheSlots()
    {
        final MaglevTable table = MaglevTable.build(ids(4), keys(4), new int[]{1, 1, 2, 4}, M);
        final int[] picks = new int[4];
        long state = 42;
        final int flows = 800_000;
        for (int i = 0; i < flows; i++)
        {
            state += 0x9E3779B97F4A7C15L;
            picks[table.pick(splitmix(state))]++;
        }
        final double[] expected = {1 / 8.0, 1 / 8.0, 2 / 8.0, 4 / 8.0};
        for (int b = 0; b < 4; b++)
        {
            assertEquals(expected[b], picks[b] / (double)flows, 0.01, "backend " + b);
        }
    }

    @Test
    void thousandBackendsFillAPrimeTable()
    {
        final MaglevTable table = MaglevTable.build(ids(1000), keys(1000), equalWeights(1000), M);
        int total = 0;
        for (int b = 0; b < 1000; b++)
        {
            total += table.slotsOf(b);
            assertTrue(table.slotsOf(b) >= M / 1000 && table.slotsOf(b) <= M / 1000 + 1, "backend " + b);
        }
        assertEquals(M, total);
    }

    private static void assertSharesMatchWeights(final int n, final int[] weights)
    {
        final MaglevTable table = MaglevTable.build(ids(n), keys(n), weights, M);
        final long sum = Arrays.stream(weights).asLongStream().sum();
        int total = 0;
        for (int b = 0; b < n; b++)
        {
            final double expected = (double)M * weights[b] / sum;
            final int actual = table.slotsOf(b);
            total += actual;
            // Within 2% of the weighted share, or one slot for tiny shares.
            assertEquals(expected, actual, Math.max(1.0, expected * 0.02), "backend " + b + " of weight " + weights[b]);
        }
        assertEquals(M, total, "every slot is taken");
    }

    private static void assertRemovalDisruptsLittle(final int n)
    {
        final int[] weights = equalWeights(n);
        final MaglevTable before = MaglevTable.build(ids(n), keys(n), weights, M);
        final int removed = n / 2;
        final int[] ids = new int[n - 1];
        final long[] keys = new long[n - 1];
        for (int i = 0, j = 0; i < n; i++)
        {
            if (i != removed)
            {
                ids[j] = i;
                keys[j] = keys(n)[i];
                j++;
            }
        }
        final MaglevTable after = MaglevTable.build(ids, keys, equalWeights(n - 1), M);
        int moved = 0;
        int movedFromOthers = 0;
        for (int slot = 0; slot < M; slot++)
        {
            if (before.backendAt(slot) != after.backendAt(slot))
            {
                moved++;
                if (before.backendAt(slot) != removed)
                {
                    movedFromOthers++;
                }
            }
            assertTrue(after.backendAt(slot) != removed);
        }
        // The removed backend's share must move; the paper (figure 11) reports that few others do.
        assertTrue(moved >= M / n, "moved " + moved);
        assertTrue(moved <= M * (1.0 / n + 0.03), "moved " + moved + " of " + M);
        assertTrue(movedFromOthers <= M * 0.03, "slots of remaining backends that moved: " + movedFromOthers);
        System.out.printf("removing 1 of %d backends: %.2f%% of slots moved, %.2f%% from remaining backends%n",
            n, 100.0 * moved / M, 100.0 * movedFromOthers / M);
    }

    private static int[] slots(final MaglevTable table)
    {
        final int[] slots = new int[table.size()];
        for (int i = 0; i < slots.length; i++)
        {
            slots[i] = table.backendAt(i);
        }
        return slots;
    }

    private static int[] ids(final int n)
    {
        final int[] ids = new int[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = i;
        }
        return ids;
    }

    // Stand-ins for hashes of backend addresses 10.0.x.y.
    private static long[] keys(final int n)
    {
        final long[] keys = new long[n];
        for (int i = 0; i < n; i++)
        {
            keys[i] = splitmix(0x0a00_0000L + i);
        }
        return keys;
    }

    private static int[] equalWeights(final int n)
    {
        final int[] weights = new int[n];
        Arrays.fill(weights, 1);
        return weights;
    }

    private static long splitmix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
