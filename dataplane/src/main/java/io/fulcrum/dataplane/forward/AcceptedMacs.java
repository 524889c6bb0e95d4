package io.fulcrum.dataplane.forward;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Unicast destination MACs the workers forward service traffic for besides their port's own: the VRRP virtual router
 * MACs (RFC 9568 section 7.3) of the instances this box is master of. The control plane holds a MAC while it holds the
 * instance's addresses and releases it when it gives them up, so a backup leaves frames a switch flooded to the
 * virtual MAC to the kernel, as it does frames for any other MAC.
 *
 * <p>A small fixed set of slots read by the workers without locks or allocation; written under this object's lock by
 * the control plane. Holding is counted: the same VRID on two interfaces holds the same MAC twice.
 */
public final class AcceptedMacs
{
    /** More VRRP instances with a virtual MAC than this on one box is not a deployment anyone runs. */
    public static final int CAPACITY = 32;
    /** Not a 48-bit value: never equals a destination read from a frame. */
    private static final long EMPTY = -1L;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] macs = new long[CAPACITY];
    private final int[] holders = new int[CAPACITY];
    /** Slots in use are below this; the workers scan no further. */
    private volatile int limit;

    public AcceptedMacs()
    {
        Arrays.fill(macs, EMPTY);
    }

    /** Workers forward frames for {@code mac} from now on (until as many {@link #release}s). */
    public synchronized void hold(final long mac)
    {
        int free = -1;
        for (int i = 0; i < CAPACITY; i++)
        {
            if (macs[i] == mac)
            {
                holders[i]++;
                return;
            }
            if (free < 0 && macs[i] == EMPTY)
            {
                free = i;
            }
        }
        if (free < 0)
        {
            throw new IllegalStateException("more than " + CAPACITY + " virtual MACs held at once");
        }
        holders[free] = 1;
        SLOT.setRelease(macs, free, mac);
        if (free >= limit)
        {
            limit = free + 1;
        }
    }

    /** Gives up one hold of {@code mac}; the last one stops the workers forwarding frames for it. */
    public synchronized void release(final long mac)
    {
        for (int i = 0; i < CAPACITY; i++)
        {
            if (macs[i] == mac)
            {
                if (--holders[i] == 0)
                {
                    SLOT.setRelease(macs, i, EMPTY);
                }
                return;
            }
        }
    }

    /** Per packet, on a worker: whether {@code destination} is held. */
    public boolean contains(final long destination)
    {
        for (int i = 0, n = limit; i < n; i++)
        {
            if ((long)SLOT.getAcquire(macs, i) == destination)
            {
                return true;
            }
        }
        return false;
    }
}
