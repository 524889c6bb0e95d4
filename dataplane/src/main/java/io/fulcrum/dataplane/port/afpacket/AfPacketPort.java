package io.fulcrum.dataplane.port.afpacket;

import static io.fulcrum.dataplane.sys.PacketSockets.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import io.fulcrum.dataplane.port.InMemoryPort;
import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Port;
import io.fulcrum.dataplane.port.Verdict;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.NativeException;
import io.fulcrum.dataplane.sys.NetDevices;

/**
 * A {@link Port} over an AF_PACKET socket with memory-mapped rings: the fallback where AF_XDP is not available.
 *
 * <p>RX is a TPACKET_V3 ring of blocks that the kernel fills with variable-sized frames and hands over whole (when
 * full, or after the retire timeout). {@link #receive} busy-polls the current block's status and copies each frame
 * into a slot of the port's own memory, laid out as {@link InMemoryPort}'s and an AF_XDP UMEM are (2048-byte,
 * size-aligned slots with 256 bytes of headroom before the frame), so the forwarding core sees one memory model on
 * every port; a block goes back to the kernel as soon as its frames are copied. TX is a TPACKET_V3 ring of fixed
 * frame slots (Linux 4.11+; tp_next_offset stays 0): {@link #complete} copies frames with a TRANSMIT verdict into it
 * and kicks it once per batch with a non-blocking sendto(2).
 *
 * <p>The socket ignores the frames it sends (PACKET_IGNORE_OUTGOING) and with a fanout group shares the interface with
 * the other workers' sockets by flow hash (PACKET_FANOUT_HASH). One worker thread drives a port; the counters may be
 * read from any thread (plain reads, possibly a little stale).
 */
public final class AfPacketPort implements Port
{
    public static final int SLOT_SIZE = InMemoryPort.DEFAULT_FRAME_SIZE;
    public static final int HEADROOM = InMemoryPort.DEFAULT_HEADROOM;
    /** The longest frame a slot holds. */
    public static final int MAX_FRAME = SLOT_SIZE - HEADROOM;

    /** Ring statuses are shared with the kernel: acquire loads and release stores (FACTS). */
    private static final VarHandle RING_INT = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfShort NETWORK_SHORT =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt RING_U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort RING_U16 = ValueLayout.JAVA_SHORT;

    private final AfPacketSettings settings;
    private final String name;
    private final int fd;
    private final int mtu;
    private final long macAddress;
    private final int maxTxFrame;

    private final MemorySegment ring;
    private final int blockSize;
    private final int blockCount;
    private final long txBase;
    private final int txFrameSize;
    private final int txFrameCount;

    private final Arena arena;
    private final MemorySegment slots;
    private final int[] freeSlots;
    private int freeCount;
    private final MemorySegment errno;
    private final Object statisticsLock = new Object();

    // RX progress through the current block, kept across receive calls when a batch fills mid-block
    private int rxBlock;
    private int rxFramesLeft;
    private long rxNextFrame;

    // TX ring: frames [txTail, txTail + txInFlight) belong to the kernel; txHead is the next one to fill
    private int txHead;
    private int txTail;
    private int txInFlight;
    private int txQueuedSinceKick;

    private long rxPackets;
    private long rxBytes;
    private long rxTooLong;
    private long rxChecksumNotReady;
    private long txPackets;
    private long txRingFull;
    private long txBackpressure;
    private long txErrors;
    private int lastTxErrno;
    private long kernelPackets;
    private long kernelDrops;
    private long kernelFreezes;
    private boolean closed;

    private AfPacketPort(final AfPacketSettings settings, final int fd, final MemorySegment ring, final int mtu,
        final long macAddress)
    {
        this.settings = settings;
        this.name = settings.interfaceName();
        this.fd = fd;
        this.ring = ring;
        this.mtu = mtu;
        this.macAddress = macAddress;
        this.blockSize = settings.blockSize();
        this.blockCount = settings.blockCount();
        this.txBase = (long)settings.blockSize() * settings.blockCount();
        this.txFrameSize = settings.frameSize();
        this.txFrameCount = settings.txFrames();
        // the kernel refuses more than the MTU plus a link header and one VLAN tag (af_packet.c, tpacket_snd)
        this.maxTxFrame = Math.min(txFrameSize - TPACKET3_TX_DATA_OFFSET, mtu + ETH_HLEN + VLAN_HLEN);
        arena = Arena.ofShared();
        slots = arena.allocate((long)settings.batchSize() * SLOT_SIZE, SLOT_SIZE);
        freeSlots = new int[settings.batchSize()];
        for (int i = 0; i < freeSlots.length; i++)
        {
            freeSlots[i] = freeSlots.length - 1 - i;
        }
        freeCount = freeSlots.length;
        errno = Libc.errnoSegment(arena);
    }

    /**
     * Opens the socket, sets up and maps both rings, binds to the interface and joins the fanout group. Run it in the
     * network namespace of the interface (see {@link io.fulcrum.dataplane.sys.Namespaces}); the port may then be
     * driven from any one thread.
     *
     * @throws NativeException naming the call and errno, e.g. without CAP_NET_RAW or for an unknown interface
     */
    public static AfPacketPort open(final AfPacketSettings settings)
    {
        // Protocol 0: the socket receives nothing until bind() names the interface and ETH_P_ALL, so no frame of
        // another interface reaches the ring in between (packet(7)).
        final int fd = openSocket();
        MemorySegment ring = null;
        try (Arena setup = Arena.ofConfined())
        {
            final int ifIndex = Libc.ifNameToIndex(settings.interfaceName());
            Libc.setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION");
            Libc.setsockoptInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            // A malformed TX frame is skipped rather than left as TP_STATUS_WRONG_FORMAT, which would stall the ring
            // at that frame (af_packet.c, tpacket_snd); the port checks lengths before queueing.
            Libc.setsockoptInt(fd, SOL_PACKET, PACKET_LOSS, 1, "PACKET_LOSS");
            if (settings.qdiscBypass())
            {
                Libc.setsockoptInt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            }
            Libc.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, tpacketReq3(setup, settings.blockSize(),
                settings.blockCount(), settings.frameSize(), settings.rxFrameCount(), settings.retireTimeoutMs(), 0, 0),
                "PACKET_RX_RING");
            Libc.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, tpacketReq3(setup, AfPacketSettings.TX_BLOCK_SIZE,
                settings.txBlockCount(), settings.frameSize(), settings.txFrames(), 0, 0, 0), "PACKET_TX_RING");
            enlargeSendBuffer(fd, settings);
            // The TX ring follows the RX ring in one mapping (packet_mmap.rst).
            final long length = (long)settings.blockSize() * settings.blockCount()
                + (long)AfPacketSettings.TX_BLOCK_SIZE * settings.txBlockCount();
            ring = Libc.mmap(length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0, "AF_PACKET rings");
            Libc.bind(fd, sockaddrLl(setup, ETH_P_ALL, ifIndex));
            if (settings.fanoutGroupId() != 0)
            {
                // The kernel accepts PACKET_FANOUT only on a bound (running) socket.
                final int flags = settings.fanoutDefrag() ? PACKET_FANOUT_FLAG_DEFRAG : 0;
                Libc.setsockoptInt(fd, SOL_PACKET, PACKET_FANOUT,
                    fanoutArgument(settings.fanoutGroupId(), PACKET_FANOUT_HASH | flags),
                    "PACKET_FANOUT(group " + settings.fanoutGroupId() + ")");
            }
            final int mtu = NetDevices.mtu(fd, settings.interfaceName());
            final long mac = NetDevices.macAddress(fd, settings.interfaceName());
            return new AfPacketPort(settings, fd, ring, mtu, mac);
        }
        catch (final RuntimeException | Error e)
        {
            if (ring != null)
            {
                Libc.munmap(ring);
            }
            Libc.close(fd);
            throw e;
        }
    }

    private static int openSocket()
    {
        try
        {
            return Libc.socket(AF_PACKET, SOCK_RAW, 0);
        }
        catch (final NativeException e)
        {
            if (e.errno() == EPERM || e.errno() == EACCES)
            {
                throw new NativeException("socket(AF_PACKET) [fulcrum run needs root or CAP_NET_RAW]", e.errno());
            }
            throw new NativeException("socket(AF_PACKET)", e.errno());
        }
    }

    /**
     * Frames in flight on the TX ring are charged to the socket's send buffer; the default (wmem_default, about
     * 200 KiB) would refuse most of a full ring with EAGAIN. SO_SNDBUFFORCE needs CAP_NET_ADMIN; without it
     * SO_SNDBUF is capped at wmem_max.
     */
    private static void enlargeSendBuffer(final int fd, final AfPacketSettings settings)
    {
        final long wanted = Math.min(Integer.MAX_VALUE / 2, 2L * settings.txFrames() * (settings.frameSize() + 1024));
        try
        {
            Libc.setsockoptInt(fd, SOL_SOCKET, SO_SNDBUFFORCE, (int)wanted, "SO_SNDBUFFORCE");
        }
        catch (final NativeException e)
        {
            Libc.setsockoptInt(fd, SOL_SOCKET, SO_SNDBUF, (int)wanted, "SO_SNDBUF");
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

    public AfPacketSettings settings()
    {
        return settings;
    }

    @Override
    public int receive(final PacketBatch batch)
    {
        batch.reset(slots, SLOT_SIZE);
        if (closed)
        {
            return 0;
        }
        final int room = Math.min(batch.capacity(), freeCount);
        int received = 0;
        while (received < room)
        {
            if (rxFramesLeft == 0 && !takeBlock())
            {
                break;
            }
            final long frame = rxNextFrame;
            final int status = ring.get(RING_U32, frame + TP3_STATUS);
            final int snapLength = ring.get(RING_U32, frame + TP3_SNAPLEN);
            final int length = ring.get(RING_U32, frame + TP3_LEN);
            final long data = frame + Short.toUnsignedInt(ring.get(RING_U16, frame + TP3_MAC));
            final boolean tagged = (status & TP_STATUS_VLAN_VALID) != 0;
            final int copied = tagged ? snapLength + VLAN_HLEN : snapLength;
            if (snapLength != length || snapLength < ETH_HLEN || copied > MAX_FRAME)
            {
                rxTooLong++;
            }
            else
            {
                final int slot = freeSlots[--freeCount];
                final long offset = (long)slot * SLOT_SIZE + HEADROOM;
                if (tagged)
                {
                    copyRestoringVlanTag(frame, status, data, snapLength, offset);
                }
                else
                {
                    MemorySegment.copy(ring, data, slots, offset, snapLength);
                }
                batch.add(offset, copied);
                received++;
                if ((status & TP_STATUS_CSUMNOTREADY) != 0)
                {
                    rxChecksumNotReady++;
                }
                rxBytes += copied;
            }
            rxNextFrame = frame + Integer.toUnsignedLong(ring.get(RING_U32, frame + TP3_NEXT_OFFSET));
            if (--rxFramesLeft == 0)
            {
                releaseBlock();
            }
        }
        rxPackets += received;
        return received;
    }

    /** Starts on the current block if the kernel has handed it over. */
    private boolean takeBlock()
    {
        final long block = (long)rxBlock * blockSize;
        if ((((int)RING_INT.getAcquire(ring, block + BLOCK_STATUS)) & TP_STATUS_USER) == 0)
        {
            return false;
        }
        rxFramesLeft = ring.get(RING_U32, block + BLOCK_NUM_PKTS);
        rxNextFrame = block + Integer.toUnsignedLong(ring.get(RING_U32, block + BLOCK_OFFSET_TO_FIRST_PKT));
        if (rxFramesLeft > 0)
        {
            return true;
        }
        releaseBlock();
        return false;
    }

    private void releaseBlock()
    {
        RING_INT.setRelease(ring, (long)rxBlock * blockSize + BLOCK_STATUS, TP_STATUS_KERNEL);
        rxBlock = rxBlock + 1 == blockCount ? 0 : rxBlock + 1;
    }

    /**
     * The kernel strips an offloaded 802.1Q tag and reports it in tp_vlan_tci (packet(7), PACKET_AUXDATA); put it
     * back where it was on the wire, so that frames look the same here as on AF_XDP.
     */
    private void copyRestoringVlanTag(final long frame, final int status, final long data, final int length,
        final long offset)
    {
        final int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0
            ? Short.toUnsignedInt(ring.get(RING_U16, frame + TP3_HV1_VLAN_TPID)) : ETH_P_8021Q;
        MemorySegment.copy(ring, data, slots, offset, 12);
        slots.set(NETWORK_SHORT, offset + 12, (short)tpid);
        slots.set(NETWORK_SHORT, offset + 14, (short)ring.get(RING_U32, frame + TP3_HV1_VLAN_TCI));
        MemorySegment.copy(ring, data + 12, slots, offset + 16, length - 12);
    }

    @Override
    public void complete(final PacketBatch batch)
    {
        final MemorySegment memory = batch.memory();
        for (int i = 0, n = batch.count(); i < n; i++)
        {
            if (batch.verdict(i) == Verdict.TRANSMIT && !closed)
            {
                queue(memory, batch.offset(i), batch.length(i));
            }
            // PASS needs nothing: a packet socket gets a copy, the kernel's own stack has the frame already.
            freeSlots[freeCount++] = (int)(batch.slotStart(i) / SLOT_SIZE);
        }
        flush();
    }

    /**
     * Queues a frame the worker built itself (an ICMP reply, an ARP answer) on the TX ring; {@link #flush} sends it.
     * Returns false, counting why, when the TX ring is full or the frame cannot be sent.
     */
    public boolean transmit(final MemorySegment source, final long offset, final int length)
    {
        return !closed && queue(source, offset, length);
    }

    private boolean queue(final MemorySegment source, final long offset, final int length)
    {
        if (length < ETH_HLEN || length > maxTxFrame)
        {
            txErrors++;
            return false;
        }
        if (txInFlight == txFrameCount && reclaim() == 0)
        {
            txRingFull++;
            return false;
        }
        final long frame = txBase + (long)txHead * txFrameSize;
        MemorySegment.copy(source, offset, ring, frame + TPACKET3_TX_DATA_OFFSET, length);
        ring.set(RING_U32, frame + TP3_NEXT_OFFSET, 0);
        ring.set(RING_U32, frame + TP3_LEN, length);
        RING_INT.setRelease(ring, frame + TP3_STATUS, TP_STATUS_SEND_REQUEST);
        txHead = txHead + 1 == txFrameCount ? 0 : txHead + 1;
        txInFlight++;
        txQueuedSinceKick++;
        txPackets++;
        return true;
    }

    /** Asks the kernel to send what is queued on the TX ring, without waiting. */
    public void flush()
    {
        if (txQueuedSinceKick > 0 && !closed)
        {
            kick();
        }
    }

    private void kick()
    {
        txQueuedSinceKick = 0;
        final long rc = Libc.sendto(errno, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT, MemorySegment.NULL, 0);
        if (rc < 0)
        {
            if (rc == -EAGAIN || rc == -ENOBUFS)
            {
                // the send buffer or the device queue is full: the frames stay requested, poll() kicks again
                txBackpressure++;
            }
            else
            {
                txErrors++;
                lastTxErrno = (int)-rc;
            }
        }
    }

    /** Reclaims TX frames the kernel has sent and kicks again if a requested frame was left behind (back-pressure). */
    @Override
    public int poll()
    {
        if (closed || txInFlight == 0)
        {
            return 0;
        }
        final int reclaimed = reclaim();
        if (txInFlight > 0)
        {
            // The kernel sends in ring order: if the newest frame is still requested, it stopped early.
            final int newest = txHead == 0 ? txFrameCount - 1 : txHead - 1;
            final int status = (int)RING_INT.getAcquire(ring, txBase + (long)newest * txFrameSize + TP3_STATUS);
            if (status == TP_STATUS_SEND_REQUEST)
            {
                kick();
            }
        }
        return reclaimed;
    }

    private int reclaim()
    {
        int reclaimed = 0;
        while (txInFlight > 0)
        {
            final long status = txBase + (long)txTail * txFrameSize + TP3_STATUS;
            final int value = (int)RING_INT.getAcquire(ring, status);
            if (value == TP_STATUS_WRONG_FORMAT)
            {
                txErrors++;
                RING_INT.setRelease(ring, status, TP_STATUS_AVAILABLE);
            }
            else if (value != TP_STATUS_AVAILABLE)
            {
                break;
            }
            txTail = txTail + 1 == txFrameCount ? 0 : txTail + 1;
            txInFlight--;
            reclaimed++;
        }
        return reclaimed;
    }

    /** One getsockopt(PACKET_STATISTICS), for the {@link #dropped} calls after it. */
    @Override
    public void readKernelDrops()
    {
        readKernelStatistics();
    }

    /** The port's drops and the kernel's for its socket (RX ring full, as {@link #readKernelDrops} read it). */
    @Override
    public long dropped(final int reason)
    {
        return switch (reason)
        {
            case DropReason.RX_TOO_LONG -> rxTooLong;
            case DropReason.RX_RING_FULL -> kernelDrops; // as readKernelDrops last read it
            case DropReason.TX_RING_FULL -> txRingFull;
            case DropReason.TX_ERROR -> txErrors;
            default -> 0;
        };
    }

    /** Frames copied out of the RX ring into the batch. */
    public long rxPackets()
    {
        return rxPackets;
    }

    public long rxBytes()
    {
        return rxBytes;
    }

    /**
     * Frames skipped because they do not fit a slot (or were truncated by the ring). GRO or LRO on the interface
     * merges frames into packets of up to 64 KiB that land here: turn them off ({@code ethtool -K IF gro off lro off}).
     */
    public long rxTooLong()
    {
        return rxTooLong;
    }

    /**
     * Frames whose transport checksum the kernel had not filled in yet (TP_STATUS_CSUMNOTREADY): sent by a local
     * stack with checksum offload, typically over a veth. Forwarded as they are, they arrive with a bad checksum;
     * turn TX checksum offload off on the sending side ({@code ethtool -K IF tx off}).
     */
    public long rxChecksumNotReady()
    {
        return rxChecksumNotReady;
    }

    /** Frames the kernel dropped because the RX ring was full (PACKET_STATISTICS tp_drops); a system call. */
    public long rxDropsKernel()
    {
        readKernelStatistics();
        return kernelDrops;
    }

    /** Times the kernel found the RX ring full and froze it (PACKET_STATISTICS tp_freeze_q_cnt); a system call. */
    public long rxRingFreezes()
    {
        readKernelStatistics();
        return kernelFreezes;
    }

    /** Frames the kernel queued for this socket, drops included (PACKET_STATISTICS tp_packets); a system call. */
    public long kernelPackets()
    {
        readKernelStatistics();
        return kernelPackets;
    }

    /** Frames put on the TX ring. */
    public long txPackets()
    {
        return txPackets;
    }

    /** Frames dropped because every TX ring frame was still in flight. */
    public long txRingFull()
    {
        return txRingFull;
    }

    /** Kicks answered with EAGAIN or ENOBUFS; the frames were sent by a later kick. */
    public long txBackpressure()
    {
        return txBackpressure;
    }

    /**
     * Frames refused (shorter than an Ethernet header, longer than MTU + 18 or a TX frame) or reported
     * TP_STATUS_WRONG_FORMAT, and kicks that failed for another reason than back-pressure.
     */
    public long txErrors()
    {
        return txErrors;
    }

    /** errno of the last failed kick other than back-pressure, 0 if none. */
    public int lastTxErrno()
    {
        return lastTxErrno;
    }

    /** TX ring frames the kernel has not given back yet. */
    public int txInFlight()
    {
        return txInFlight;
    }

    /** PACKET_STATISTICS resets the kernel's counters on every read, so the port accumulates them. */
    private void readKernelStatistics()
    {
        synchronized (statisticsLock)
        {
            if (closed)
            {
                return;
            }
            try (Arena scratch = Arena.ofConfined())
            {
                final MemorySegment stats = scratch.allocate(TPACKET_STATS_V3_SIZE, 4);
                Libc.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, stats, "PACKET_STATISTICS");
                kernelPackets += Integer.toUnsignedLong(stats.get(ValueLayout.JAVA_INT, TP_STATS_PACKETS));
                kernelDrops += Integer.toUnsignedLong(stats.get(ValueLayout.JAVA_INT, TP_STATS_DROPS));
                kernelFreezes += Integer.toUnsignedLong(stats.get(ValueLayout.JAVA_INT, TP_STATS_FREEZE_Q_CNT));
            }
        }
    }

    /**
     * Unmaps the rings and closes the socket (which leaves the fanout group); idempotent. Call it once the worker
     * driving the port has stopped: the rings are gone afterwards.
     */
    @Override
    public void close()
    {
        synchronized (statisticsLock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            Libc.munmap(ring);
            Libc.close(fd);
            arena.close();
        }
    }

    @Override
    public String toString()
    {
        return "AfPacketPort[" + name + ", fd " + fd + (settings.fanoutGroupId() != 0
            ? ", fanout group " + settings.fanoutGroupId() : "") + "]";
    }
}
