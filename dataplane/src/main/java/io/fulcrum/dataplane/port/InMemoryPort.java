package io.fulcrum.dataplane.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A port over plain memory, for replay and tests: frames are injected by the owner, and what the forwarding core
 * transmits or passes goes to a {@link FrameSink}. The memory is laid out exactly as an AF_XDP UMEM (fixed-size,
 * size-aligned frame slots with headroom before each frame) so that the core runs here the same code it runs on the
 * wire. Single-threaded: inject from the thread that drives the worker.
 */
public final class InMemoryPort implements Port
{
    public static final int DEFAULT_FRAME_SIZE = 2048;
    public static final int DEFAULT_HEADROOM = 256;

    private final String name;
    private final int mtu;
    private final long macAddress;
    private final int frameSize;
    private final int headroom;
    private final Arena arena;
    private final MemorySegment memory;
    private final int[] freeSlots;
    private int freeCount;
    private final int[] rxSlots;
    private final int[] rxLengths;
    private int rxHead;
    private int rxCount;
    private final FrameSink transmitted;
    private final FrameSink passed;
    private long transmittedCount;
    private long passedCount;
    private long droppedCount;
    private boolean anyDestination = true;

    public InMemoryPort(final String name, final int slots, final int mtu, final long macAddress,
        final FrameSink transmitted, final FrameSink passed)
    {
        this(name, slots, DEFAULT_FRAME_SIZE, DEFAULT_HEADROOM, mtu, macAddress, transmitted, passed);
    }

    public InMemoryPort(final String name, final int slots, final int frameSize, final int headroom, final int mtu,
        final long macAddress, final FrameSink transmitted, final FrameSink passed)
    {
        if (Integer.bitCount(frameSize) != 1 || headroom >= frameSize)
        {
            throw new IllegalArgumentException("frame size must be a power of two above the headroom");
        }
        this.name = name;
        this.mtu = mtu;
        this.macAddress = macAddress;
        this.frameSize = frameSize;
        this.headroom = headroom;
        this.transmitted = transmitted;
        this.passed = passed;
        arena = Arena.ofShared();
        memory = arena.allocate((long)slots * frameSize, frameSize);
        freeSlots = new int[slots];
        for (int i = 0; i < slots; i++)
        {
            freeSlots[i] = slots - 1 - i;
        }
        freeCount = slots;
        rxSlots = new int[slots];
        rxLengths = new int[slots];
    }

    /** Queues a frame for receive; returns false (and queues nothing) when every slot is in use or it is too long. */
    public boolean inject(final MemorySegment source, final long offset, final int length)
    {
        if (freeCount == 0 || length > frameSize - headroom || length < 0)
        {
            return false;
        }
        final int slot = freeSlots[--freeCount];
        MemorySegment.copy(source, offset, memory, (long)slot * frameSize + headroom, length);
        final int tail = (rxHead + rxCount) % rxSlots.length;
        rxSlots[tail] = slot;
        rxLengths[tail] = length;
        rxCount++;
        return true;
    }

    public boolean inject(final byte[] frame)
    {
        return inject(MemorySegment.ofArray(frame), 0, frame.length);
    }

    /** Frames waiting to be received. */
    public int pending()
    {
        return rxCount;
    }

    /** Slots free for injection. */
    public int free()
    {
        return freeCount;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public int mtu()
    {
        return mtu;
    }

    @Override
    public long macAddress()
    {
        return macAddress;
    }

    /** Replay and tests feed captures addressed to any MAC: the forwarding core takes them all (by default). */
    @Override
    public boolean anyDestination()
    {
        return anyDestination;
    }

    /**
     * Makes the forwarding core filter by destination MAC, as on a real interface (for tests of that filter). Call
     * before the port gets its worker.
     */
    public InMemoryPort filterByMac()
    {
        anyDestination = false;
        return this;
    }

    public int frameSize()
    {
        return frameSize;
    }

    @Override
    public int receive(final PacketBatch batch)
    {
        batch.reset(memory, frameSize);
        int received = 0;
        while (rxCount > 0 && batch.add((long)rxSlots[rxHead] * frameSize + headroom, rxLengths[rxHead]))
        {
            rxHead = (rxHead + 1) % rxSlots.length;
            rxCount--;
            received++;
        }
        return received;
    }

    @Override
    public void complete(final PacketBatch batch)
    {
        for (int i = 0, n = batch.count(); i < n; i++)
        {
            final long offset = batch.offset(i);
            final int length = batch.length(i);
            switch (batch.verdict(i))
            {
                case Verdict.TRANSMIT ->
                {
                    transmitted.accept(memory, offset, length);
                    transmittedCount++;
                }
                case Verdict.PASS ->
                {
                    passed.accept(memory, offset, length);
                    passedCount++;
                }
                default -> droppedCount++;
            }
            freeSlots[freeCount++] = (int)(offset / frameSize);
        }
    }

    public long transmittedCount()
    {
        return transmittedCount;
    }

    public long passedCount()
    {
        return passedCount;
    }

    public long droppedCount()
    {
        return droppedCount;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
