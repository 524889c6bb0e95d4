package io.fulcrum.dataplane.port.afxdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.XdpSockets;

/**
 * One of an AF_XDP socket's four single-producer single-consumer rings, mapped from the kernel. The producer and
 * consumer indices are free-running u32s shared with the kernel: read the other side's with acquire, publish ours
 * with release (FACTS; the same barriers as libxdp's xsk.h). Each side caches the other's index and refreshes it
 * only when the cache says the ring is full or empty, so most calls touch no shared cache line.
 */
final class XskRing
{
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    final MemorySegment memory;
    private final long producer;
    private final long consumer;
    private final long flags;
    final long descriptors;
    final int size;
    private final int mask;
    private final int entrySize;
    /** Our index when we produce, the kernel's last seen one when we consume. */
    int cachedProducer;
    /** The kernel's last seen index plus size when we produce, our index when we consume. */
    int cachedConsumer;

    private XskRing(final MemorySegment memory, final MemorySegment offsets, final int size, final int entrySize,
        final boolean weProduce)
    {
        this.memory = memory;
        this.producer = offsets.get(ValueLayout.JAVA_LONG, XdpSockets.RING_OFFSET_PRODUCER);
        this.consumer = offsets.get(ValueLayout.JAVA_LONG, XdpSockets.RING_OFFSET_CONSUMER);
        this.descriptors = offsets.get(ValueLayout.JAVA_LONG, XdpSockets.RING_OFFSET_DESC);
        this.flags = offsets.get(ValueLayout.JAVA_LONG, XdpSockets.RING_OFFSET_FLAGS);
        this.size = size;
        this.mask = size - 1;
        this.entrySize = entrySize;
        cachedProducer = (int)INT.getAcquire(memory, producer);
        cachedConsumer = (int)INT.getAcquire(memory, consumer) + (weProduce ? size : 0);
    }

    /** Maps the ring whose {@code struct xdp_ring_offset} is {@code offsets} at page offset {@code pageOffset}. */
    static XskRing map(final int fd, final long pageOffset, final MemorySegment offsets, final int size,
        final int entrySize, final boolean weProduce, final String what)
    {
        final long length = offsets.get(ValueLayout.JAVA_LONG, XdpSockets.RING_OFFSET_DESC) + (long)size * entrySize;
        final MemorySegment memory = Libc.mmap(length, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, pageOffset, what);
        return new XskRing(memory, offsets, size, entrySize, weProduce);
    }

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;

    /** Producer side: how many of {@code wanted} entries may be written now, from index {@link #cachedProducer}. */
    int free(final int wanted)
    {
        int free = cachedConsumer - cachedProducer;
        if (free < wanted)
        {
            cachedConsumer = (int)INT.getAcquire(memory, consumer) + size;
            free = cachedConsumer - cachedProducer;
        }
        return Math.min(free, wanted);
    }

    /** Producer side: publishes {@code count} written entries to the kernel. */
    void submit(final int count)
    {
        cachedProducer += count;
        INT.setRelease(memory, producer, cachedProducer);
    }

    /** Consumer side: how many of {@code wanted} entries may be read now, from index {@link #cachedConsumer}. */
    int available(final int wanted)
    {
        int available = cachedProducer - cachedConsumer;
        if (available == 0)
        {
            cachedProducer = (int)INT.getAcquire(memory, producer);
            available = cachedProducer - cachedConsumer;
        }
        return Math.min(available, wanted);
    }

    /** Consumer side: gives {@code count} read entries back to the kernel. */
    void release(final int count)
    {
        cachedConsumer += count;
        INT.setRelease(memory, consumer, cachedConsumer);
    }

    /** Byte offset in {@link #memory} of the entry at free-running index {@code index}. */
    long entry(final int index)
    {
        return descriptors + (long)(index & mask) * entrySize;
    }

    /** Whether the kernel asks to be woken (XDP_USE_NEED_WAKEUP) before it works this ring again. */
    boolean needsWakeup()
    {
        return ((int)INT.getAcquire(memory, flags) & XdpSockets.XDP_RING_NEED_WAKEUP) != 0;
    }

    /** Producer side: entries submitted that the kernel has not consumed yet. */
    int outstanding()
    {
        return cachedProducer - (int)INT.getAcquire(memory, consumer);
    }

    void unmap()
    {
        Libc.munmap(memory);
    }
}
