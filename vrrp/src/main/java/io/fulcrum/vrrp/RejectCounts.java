package io.fulcrum.vrrp;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Dropped adverts by {@link AdvertReject} code: written by the agent thread only, read by any thread for
 * {@link VrrpAgent#counters}.
 */
final class RejectCounts
{
    private final AtomicLongArray counts = new AtomicLongArray(AdvertReject.CODES);

    /** Counts one drop; returns how many of that code so far. */
    long add(final int code)
    {
        final long count = counts.get(code) + 1;
        counts.lazySet(code, count); // one writer: no read-modify-write needed
        return count;
    }

    /**
     * Whether the drop that brought a code to {@code count} is logged: the first, then each power of two from 1024,
     * so that a flood of bad adverts shows without a log line per packet.
     */
    static boolean worthLogging(final long count)
    {
        return count == 1 || Long.bitCount(count) == 1 && count >= 1024;
    }

    long get(final int code)
    {
        return counts.get(code);
    }
}
