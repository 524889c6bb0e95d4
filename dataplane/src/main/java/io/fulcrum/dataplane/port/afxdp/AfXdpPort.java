package io.fulcrum.dataplane.port.afxdp;

import static io.fulcrum.dataplane.sys.XdpSockets.DESC_ADDR;
import static io.fulcrum.dataplane.sys.XdpSockets.DESC_LEN;
import static io.fulcrum.dataplane.sys.XdpSockets.DESC_OPTIONS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Port;
import io.fulcrum.dataplane.port.Verdict;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.NativeException;
import io.fulcrum.dataplane.sys.NetDevices;
import io.fulcrum.dataplane.sys.XdpSockets;

/**
 * A {@link Port} over one AF_XDP socket bound to one queue of an interface (Documentation/networking/af_xdp.rst).
 * The UMEM is the batch memory: frames live in {@code frameSize} chunks, each received frame
 * {@code headroom} bytes into its chunk, so the forwarding core prepends encapsulation in place and transmits the
 * same chunk (TX descriptor address = the moved frame's offset). Frames not on a ring sit on a free stack; a frame
 * is always in exactly one of: free stack, fill ring, RX ring, the caller's batch, TX ring, completion ring.
 *
 * <p>One worker thread drives a port: {@link #receive}, {@link #complete}, {@link #poll}, {@link #dropped}. Nothing
 * allocates per packet. A frame the XDP program redirected cannot be handed back to the kernel, so
 * {@link Verdict#PASS} is counted as {@link #passUnsupported()} ({@link DropReason#MEANT_FOR_HOST}) and dropped; the
 * steering program passes what no service takes before it gets here.
 */
public final class AfXdpPort implements Port
{
    private static final System.Logger LOG = System.getLogger(AfXdpPort.class.getName());

    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS_POPULATE = 0x02 | 0x20 | 0x8000;
    private static final int EPERM = 1;
    private static final int ENOPROTOOPT = 92;
    private static final int EBUSY = 16;
    private static final long BIND_BUSY_RETRY_NANOS = 2_000_000_000L;
    private static final int BUSY_POLL_MICROSECONDS = 20;
    private static final int BUSY_POLL_BUDGET = 64;

    private final AfXdpSettings settings;
    private final String name;
    private final int mtu;
    private final long macAddress;
    private final int frameSize;
    private final long frameMask;
    private final Arena arena;
    private final MemorySegment capture;
    /** XDP_STATISTICS, read into this by the worker ({@link #dropped}). */
    private final MemorySegment statistics;
    private int fd = -1;
    private MemorySegment umem;
    private XskRing fill;
    private XskRing completion;
    private XskRing rx;
    private XskRing tx;
    private boolean zeroCopy;
    private boolean registered;
    private boolean closed;

    private final long[] freeFrames;
    private int freeCount;

    private long rxCount;
    private long txCount;
    private long txRingFull;
    private long txInvalid;
    private long fillRingEmpty;
    private long passUnsupported;
    private long wakeups;

    private AfXdpPort(final AfXdpSettings settings)
    {
        this.settings = settings;
        this.name = settings.interfaceName();
        this.frameSize = settings.frameSize();
        this.frameMask = frameSize - 1;
        this.mtu = NetDevices.mtu(name);
        this.macAddress = NetDevices.macAddress(name);
        this.arena = Arena.ofShared();
        this.capture = Libc.errnoSegment(arena);
        this.statistics = arena.allocate(XdpSockets.XDP_STATISTICS_LAYOUT);
        this.freeFrames = new long[settings.frameCount()];
    }

    /**
     * Opens a socket on {@code settings.interfaceName()} (in the calling thread's network namespace), registers
     * the UMEM, maps the rings, binds, fills the fill ring and joins the program's XSKMAP. Throws
     * {@link AfXdpUnavailableException} when the kernel, the privileges or the interface do not allow it.
     */
    public static AfXdpPort open(final AfXdpSettings settings)
    {
        final AfXdpPort port;
        try
        {
            port = new AfXdpPort(settings);
        }
        catch (final NativeException e)
        {
            throw new AfXdpUnavailableException("AF_XDP on " + settings.interfaceName() + ": " + e.getMessage(),
                e.errno(), e);
        }
        try
        {
            port.setUp();
            return port;
        }
        catch (final NativeException e)
        {
            port.close();
            throw new AfXdpUnavailableException("AF_XDP on " + settings.interfaceName() + ": " + e.getMessage(),
                e.errno(), e);
        }
        catch (final RuntimeException e)
        {
            port.close();
            throw e;
        }
    }

    /** Whether this process can create an AF_XDP socket at all (kernel support and CAP_NET_RAW). */
    public static boolean supported()
    {
        try
        {
            Libc.close(Libc.socket(XdpSockets.AF_XDP, XdpSockets.SOCK_RAW | SOCK_CLOEXEC, 0));
            return true;
        }
        catch (final NativeException e)
        {
            return false;
        }
    }

    private void setUp()
    {
        final int ifIndex = Libc.ifNameToIndex(name);
        try
        {
            fd = Libc.socket(XdpSockets.AF_XDP, XdpSockets.SOCK_RAW | SOCK_CLOEXEC, 0);
        }
        catch (final NativeException e)
        {
            throw new NativeException("AF_XDP socket", e.errno());
        }
        final int frames = settings.frameCount();
        final int ringSize = settings.ringSize();
        umem = Libc.mmap((long)frames * frameSize, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS_POPULATE, -1, 0, "UMEM");
        try (Arena setup = Arena.ofConfined())
        {
            final MemorySegment reg = setup.allocate(XdpSockets.XDP_UMEM_REG_LAYOUT);
            reg.set(ValueLayout.JAVA_LONG, XdpSockets.UMEM_REG_ADDR, umem.address());
            reg.set(ValueLayout.JAVA_LONG, XdpSockets.UMEM_REG_LEN, umem.byteSize());
            reg.set(ValueLayout.JAVA_INT, XdpSockets.UMEM_REG_CHUNK_SIZE, frameSize);
            // the kernel adds XDP_PACKET_HEADROOM in front of every RX frame on top of the UMEM headroom
            reg.set(ValueLayout.JAVA_INT, XdpSockets.UMEM_REG_HEADROOM,
                settings.headroom() - XdpSockets.XDP_PACKET_HEADROOM);
            Libc.setsockopt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_UMEM_REG, reg, "XDP_UMEM_REG");
            Libc.setsockoptInt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_UMEM_FILL_RING, ringSize, "XDP_UMEM_FILL_RING");
            Libc.setsockoptInt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_UMEM_COMPLETION_RING, ringSize,
                "XDP_UMEM_COMPLETION_RING");
            Libc.setsockoptInt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_RX_RING, ringSize, "XDP_RX_RING");
            Libc.setsockoptInt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_TX_RING, ringSize, "XDP_TX_RING");

            final MemorySegment offsets = setup.allocate(XdpSockets.XDP_MMAP_OFFSETS_LAYOUT);
            Libc.getsockopt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_MMAP_OFFSETS, offsets, "XDP_MMAP_OFFSETS");
            final long ringOffsetSize = XdpSockets.XDP_RING_OFFSET.byteSize();
            rx = XskRing.map(fd, XdpSockets.XDP_PGOFF_RX_RING,
                offsets.asSlice(XdpSockets.MMAP_OFFSETS_RX, ringOffsetSize), ringSize, XdpSockets.XDP_DESC_SIZE,
                false, "RX ring");
            tx = XskRing.map(fd, XdpSockets.XDP_PGOFF_TX_RING,
                offsets.asSlice(XdpSockets.MMAP_OFFSETS_TX, ringOffsetSize), ringSize, XdpSockets.XDP_DESC_SIZE,
                true, "TX ring");
            fill = XskRing.map(fd, XdpSockets.XDP_UMEM_PGOFF_FILL_RING,
                offsets.asSlice(XdpSockets.MMAP_OFFSETS_FR, ringOffsetSize), ringSize, XdpSockets.UMEM_ADDR_SIZE,
                true, "fill ring");
            completion = XskRing.map(fd, XdpSockets.XDP_UMEM_PGOFF_COMPLETION_RING,
                offsets.asSlice(XdpSockets.MMAP_OFFSETS_CR, ringOffsetSize), ringSize, XdpSockets.UMEM_ADDR_SIZE,
                false, "completion ring");

            // No copy flag lets the kernel pick zero copy where the driver supports it, copy mode otherwise
            // (xp_assign_dev falls back unless XDP_ZEROCOPY forces it).
            final MemorySegment address = setup.allocate(XdpSockets.SOCKADDR_XDP);
            address.set(ValueLayout.JAVA_SHORT, XdpSockets.SXDP_FAMILY, (short)XdpSockets.AF_XDP);
            address.set(ValueLayout.JAVA_SHORT, XdpSockets.SXDP_FLAGS, (short)(
                (settings.zeroCopy() ? 0 : XdpSockets.XDP_COPY)
                | (settings.needWakeup() ? XdpSockets.XDP_USE_NEED_WAKEUP : 0)));
            address.set(ValueLayout.JAVA_INT, XdpSockets.SXDP_IFINDEX, ifIndex);
            address.set(ValueLayout.JAVA_INT, XdpSockets.SXDP_QUEUE_ID, settings.queueId());
            bindRetryingWhileBusy(address);

            final MemorySegment options = setup.allocate(XdpSockets.XDP_OPTIONS_LAYOUT);
            Libc.getsockopt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_OPTIONS, options, "XDP_OPTIONS");
            zeroCopy = (options.get(ValueLayout.JAVA_INT, XdpSockets.OPTIONS_FLAGS) & XdpSockets.XDP_OPTIONS_ZEROCOPY)
                != 0;
        }
        if (settings.busyPoll())
        {
            enableBusyPoll();
        }
        for (int i = frames - 1; i >= 0; i--)
        {
            freeFrames[freeCount++] = (long)i * frameSize;
        }
        refill();
        if (settings.program() != null)
        {
            settings.program().registerSocket(settings.queueId(), fd);
            registered = true;
        }
        LOG.log(System.Logger.Level.INFO, "AF_XDP socket on {0} queue {1}: {2} mode, {3} frames of {4} bytes",
            name, settings.queueId(), zeroCopy ? "zero-copy" : "copy", frames, frameSize);
    }

    /**
     * bind(2), retried for a while on EBUSY: a socket closed on the same queue a moment ago still holds it, because
     * AF_XDP sockets are freed after an RCU grace period and the buffer pool leaves the queue from a workqueue
     * (net/xdp/xsk.c SOCK_RCU_FREE, xsk_buff_pool.c xp_release_deferred). Seen here as EBUSY on a quick reopen.
     */
    private void bindRetryingWhileBusy(final MemorySegment address)
    {
        final long deadline = System.nanoTime() + BIND_BUSY_RETRY_NANOS;
        while (true)
        {
            try
            {
                Libc.bind(fd, address);
                return;
            }
            catch (final NativeException e)
            {
                if (e.errno() != EBUSY || System.nanoTime() > deadline)
                {
                    throw e;
                }
            }
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the queue was busy", e);
            }
        }
    }

    private void enableBusyPoll()
    {
        setOptional(XdpSockets.SO_PREFER_BUSY_POLL, 1, "SO_PREFER_BUSY_POLL");
        setOptional(XdpSockets.SO_BUSY_POLL, BUSY_POLL_MICROSECONDS, "SO_BUSY_POLL");
        setOptional(XdpSockets.SO_BUSY_POLL_BUDGET, BUSY_POLL_BUDGET, "SO_BUSY_POLL_BUDGET");
    }

    private void setOptional(final int option, final int value, final String optionName)
    {
        try
        {
            Libc.setsockoptInt(fd, XdpSockets.SOL_SOCKET, option, value, optionName);
        }
        catch (final NativeException e)
        {
            if (e.errno() != EPERM && e.errno() != ENOPROTOOPT)
            {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "AF_XDP on {0}: busy polling not available: {1}", name,
                e.getMessage());
        }
    }

    @Override
    public int receive(final PacketBatch batch)
    {
        batch.reset(umem, frameSize);
        refill();
        final int count = rx.available(batch.capacity());
        if (count == 0)
        {
            if (settings.busyPoll() || (settings.needWakeup() && fill.needsWakeup()))
            {
                wakeups++;
                Libc.recvfrom(capture, fd, MemorySegment.NULL, 0, XdpSockets.MSG_DONTWAIT, MemorySegment.NULL,
                    MemorySegment.NULL);
            }
            return 0;
        }
        final MemorySegment ring = rx.memory;
        final int first = rx.cachedConsumer;
        for (int i = 0; i < count; i++)
        {
            final long entry = rx.entry(first + i);
            batch.add(ring.get(ValueLayout.JAVA_LONG, entry + DESC_ADDR), ring.get(ValueLayout.JAVA_INT,
                entry + DESC_LEN));
        }
        rx.release(count);
        rxCount += count;
        return count;
    }

    /** Gives free frames to the kernel for receiving, as many as the fill ring takes. */
    private void refill()
    {
        final int room = fill.free(freeCount);
        if (room == 0)
        {
            if (freeCount == 0 && fill.free(fill.size) == fill.size)
            {
                fillRingEmpty++;
            }
            return;
        }
        final MemorySegment ring = fill.memory;
        final int first = fill.cachedProducer;
        for (int i = 0; i < room; i++)
        {
            ring.set(ValueLayout.JAVA_LONG, fill.entry(first + i), freeFrames[--freeCount]);
        }
        fill.submit(room);
    }

    @Override
    public void complete(final PacketBatch batch)
    {
        final int count = batch.count();
        int room = tx.free(count);
        if (room < count)
        {
            reapCompletions();
            room = tx.free(count);
        }
        final MemorySegment ring = tx.memory;
        final int first = tx.cachedProducer;
        final long umemSize = umem.byteSize();
        int queued = 0;
        for (int i = 0; i < count; i++)
        {
            final long offset = batch.offset(i);
            final int verdict = batch.verdict(i);
            if (verdict == Verdict.TRANSMIT)
            {
                final int length = batch.length(i);
                // aligned mode: the kernel refuses a descriptor that crosses its chunk, and never completes it
                if (offset < 0 || offset >= umemSize || length <= 0 || (offset & frameMask) + length > frameSize)
                {
                    txInvalid++;
                    release(offset);
                }
                else if (queued < room)
                {
                    final long entry = tx.entry(first + queued);
                    ring.set(ValueLayout.JAVA_LONG, entry + DESC_ADDR, offset);
                    ring.set(ValueLayout.JAVA_INT, entry + DESC_LEN, length);
                    ring.set(ValueLayout.JAVA_INT, entry + DESC_OPTIONS, 0);
                    queued++;
                }
                else
                {
                    txRingFull++;
                    release(offset);
                }
            }
            else
            {
                if (verdict == Verdict.PASS)
                {
                    passUnsupported++;
                }
                release(offset);
            }
        }
        if (queued > 0)
        {
            tx.submit(queued);
            txCount += queued;
            kick();
        }
    }

    /** Reaps the completion ring, and kicks the kernel again while transmitted frames wait on the TX ring. */
    @Override
    public int poll()
    {
        final int reaped = reapCompletions();
        if (tx.outstanding() > 0)
        {
            kick();
        }
        return reaped;
    }

    private int reapCompletions()
    {
        final int count = completion.available(completion.size);
        if (count == 0)
        {
            return 0;
        }
        final MemorySegment ring = completion.memory;
        final int first = completion.cachedConsumer;
        for (int i = 0; i < count; i++)
        {
            release(ring.get(ValueLayout.JAVA_LONG, completion.entry(first + i)));
        }
        completion.release(count);
        return count;
    }

    /** Copy mode sends only inside sendto (and at most a budget of 32 frames per call), so kick unless told not to. */
    private void kick()
    {
        if (!settings.needWakeup() || tx.needsWakeup())
        {
            wakeups++;
            Libc.sendto(capture, fd, MemorySegment.NULL, 0, XdpSockets.MSG_DONTWAIT, MemorySegment.NULL, 0);
        }
    }

    private void release(final long offset)
    {
        if (freeCount < freeFrames.length)
        {
            freeFrames[freeCount++] = offset & ~frameMask;
        }
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

    /** The socket, for a caller that registers it in its own XSKMAP. */
    public int socketFd()
    {
        return fd;
    }

    /** Whether the kernel bound the socket in zero-copy mode (XDP_OPTIONS_ZEROCOPY). */
    public boolean zeroCopy()
    {
        return zeroCopy;
    }

    public AfXdpSettings settings()
    {
        return settings;
    }

    /** The UMEM: every frame this port lends lives here. */
    public MemorySegment memory()
    {
        return umem;
    }

    /** Frames on the free stack: neither with the kernel nor lent out. */
    public int freeFrames()
    {
        return freeCount;
    }

    public long rx()
    {
        return rxCount;
    }

    public long tx()
    {
        return txCount;
    }

    public long txRingFull()
    {
        return txRingFull;
    }

    public long txInvalid()
    {
        return txInvalid;
    }

    public long fillRingEmpty()
    {
        return fillRingEmpty;
    }

    public long passUnsupported()
    {
        return passUnsupported;
    }

    /** One getsockopt(XDP_STATISTICS): the kernel's counts for this socket, for the {@link #dropped} calls after it. */
    @Override
    public void readKernelDrops()
    {
        if (fd >= 0)
        {
            Libc.getsockopt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_STATISTICS, statistics, "XDP_STATISTICS");
        }
    }

    /**
     * The port's drops and its socket's as {@link #readKernelDrops} last read them: what the XDP program redirected
     * but the kernel could not put on the RX ring, and descriptors it refused.
     */
    @Override
    public long dropped(final int reason)
    {
        return switch (reason)
        {
            case DropReason.MEANT_FOR_HOST -> passUnsupported;
            case DropReason.RX_RING_FULL -> kernelStatistic(XdpSockets.STATISTICS_RX_RING_FULL);
            case DropReason.RX_NO_BUFFER -> kernelStatistic(XdpSockets.STATISTICS_RX_DROPPED);
            case DropReason.TX_RING_FULL -> txRingFull;
            case DropReason.TX_ERROR -> txInvalid + kernelStatistic(XdpSockets.STATISTICS_TX_INVALID_DESCS);
            default -> 0;
        };
    }

    private long kernelStatistic(final long field)
    {
        return statistics.get(ValueLayout.JAVA_LONG, field);
    }

    /** sendto/recvfrom calls made to wake the kernel. */
    public long wakeups()
    {
        return wakeups;
    }

    /** The kernel's own counters for this socket (XDP_STATISTICS): drops it saw that this port could not. */
    public XdpStatistics kernelStatistics()
    {
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment stats = call.allocate(XdpSockets.XDP_STATISTICS_LAYOUT);
            Libc.getsockopt(fd, XdpSockets.SOL_XDP, XdpSockets.XDP_STATISTICS, stats, "XDP_STATISTICS");
            return new XdpStatistics(
                stats.get(ValueLayout.JAVA_LONG, XdpSockets.STATISTICS_RX_DROPPED),
                stats.get(ValueLayout.JAVA_LONG, XdpSockets.STATISTICS_RX_INVALID_DESCS),
                stats.get(ValueLayout.JAVA_LONG, XdpSockets.STATISTICS_TX_INVALID_DESCS),
                stats.get(ValueLayout.JAVA_LONG, XdpSockets.STATISTICS_RX_RING_FULL),
                stats.get(ValueLayout.JAVA_LONG, XdpSockets.STATISTICS_RX_FILL_RING_EMPTY_DESCS),
                stats.get(ValueLayout.JAVA_LONG, XdpSockets.STATISTICS_TX_RING_EMPTY_DESCS));
        }
    }

    /** struct xdp_statistics — linux/if_xdp.h. */
    public record XdpStatistics(long rxDropped, long rxInvalidDescs, long txInvalidDescs, long rxRingFull,
        long rxFillRingEmptyDescs, long txRingEmptyDescs)
    {
    }

    /** Leaves the XSKMAP, closes the socket, unmaps the rings and frees the UMEM. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (registered)
        {
            settings.program().unregisterSocket(settings.queueId());
            registered = false;
        }
        if (fd >= 0)
        {
            Libc.close(fd);
            fd = -1;
        }
        for (final XskRing ring : new XskRing[] {rx, tx, fill, completion})
        {
            if (ring != null)
            {
                ring.unmap();
            }
        }
        if (umem != null)
        {
            Libc.munmap(umem);
        }
        arena.close();
    }
}
