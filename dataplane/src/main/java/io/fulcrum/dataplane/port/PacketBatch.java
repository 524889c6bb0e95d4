package io.fulcrum.dataplane.port;

import java.lang.foreign.MemorySegment;

/**
 * A batch of frames received from one {@link Port}, held as parallel primitive arrays (structure of arrays) so that
 * nothing is allocated per packet. Frame {@code i} occupies {@code length[i]} bytes at byte offset {@code offset[i]}
 * of {@link #memory()}, inside a frame slot of {@link #frameSize()} bytes aligned to that size; the bytes between the
 * slot's start and {@code offset[i]} are headroom the forwarding core may prepend headers into.
 */
public final class PacketBatch
{
    private final long[] offset;
    private final int[] length;
    private final int[] verdict;
    private MemorySegment memory = MemorySegment.NULL;
    private int frameSize;
    private int count;

    public PacketBatch(final int capacity)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("batch capacity must be positive: " + capacity);
        }
        offset = new long[capacity];
        length = new int[capacity];
        verdict = new int[capacity];
    }

    /** Called by a port before it fills the batch. */
    public void reset(final MemorySegment memory, final int frameSize)
    {
        this.memory = memory;
        this.frameSize = frameSize;
        this.count = 0;
    }

    /** Called by a port for each received frame; returns false when the batch is full. */
    public boolean add(final long frameOffset, final int frameLength)
    {
        if (count == offset.length)
        {
            return false;
        }
        offset[count] = frameOffset;
        length[count] = frameLength;
        verdict[count] = Verdict.NONE;
        count++;
        return true;
    }

    public int capacity()
    {
        return offset.length;
    }

    public int count()
    {
        return count;
    }

    public MemorySegment memory()
    {
        return memory;
    }

    public int frameSize()
    {
        return frameSize;
    }

    public long offset(final int i)
    {
        return offset[i];
    }

    public int length(final int i)
    {
        return length[i];
    }

    public int verdict(final int i)
    {
        return verdict[i];
    }

    /** Start of frame {@code i}'s slot: the lowest offset a header may be prepended at. */
    public long slotStart(final int i)
    {
        return offset[i] - Math.floorMod(offset[i], (long)frameSize);
    }

    /** Records the decision for frame {@code i}; the frame may have moved (headers prepended or stripped). */
    public void set(final int i, final long frameOffset, final int frameLength, final int frameVerdict)
    {
        offset[i] = frameOffset;
        length[i] = frameLength;
        verdict[i] = frameVerdict;
    }

    public void verdict(final int i, final int frameVerdict)
    {
        verdict[i] = frameVerdict;
    }
}
