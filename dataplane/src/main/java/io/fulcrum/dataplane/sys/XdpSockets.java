package io.fulcrum.dataplane.sys;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The AF_XDP socket ABI, named as in {@code include/uapi/linux/if_xdp.h} (plus the socket options of
 * {@code asm-generic/socket.h} that busy polling uses). Each struct is written once, as a {@link StructLayout}; the
 * field offsets are derived from it into constants, so that the per-packet code reads fields with plain
 * {@code get}/{@code set} and a layout and its offsets cannot disagree.
 */
public final class XdpSockets
{
    /** AF_XDP, PF_XDP — linux/socket.h */
    public static final int AF_XDP = 44;
    /** SOL_XDP — linux/socket.h */
    public static final int SOL_XDP = 283;
    public static final int SOCK_RAW = 3;
    public static final int SOL_SOCKET = 1;
    public static final int MSG_DONTWAIT = 0x40;

    /* setsockopt/getsockopt names at SOL_XDP */
    public static final int XDP_MMAP_OFFSETS = 1;
    public static final int XDP_RX_RING = 2;
    public static final int XDP_TX_RING = 3;
    public static final int XDP_UMEM_REG = 4;
    public static final int XDP_UMEM_FILL_RING = 5;
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    public static final int XDP_STATISTICS = 7;
    public static final int XDP_OPTIONS = 8;

    /* sxdp_flags for bind(2) */
    public static final int XDP_SHARED_UMEM = 1;
    public static final int XDP_COPY = 1 << 1;
    public static final int XDP_ZEROCOPY = 1 << 2;
    /** The kernel sets XDP_RING_NEED_WAKEUP in a ring's flags when the application must kick it (sendto/poll). */
    public static final int XDP_USE_NEED_WAKEUP = 1 << 3;

    /** Flag in {@code xdp_ring_offset.flags}' word. */
    public static final int XDP_RING_NEED_WAKEUP = 1;
    /** Flag in {@code struct xdp_options.flags} (XDP_OPTIONS). */
    public static final int XDP_OPTIONS_ZEROCOPY = 1;

    /* mmap(2) page offsets of the four rings */
    public static final long XDP_PGOFF_RX_RING = 0L;
    public static final long XDP_PGOFF_TX_RING = 0x80000000L;
    public static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    public static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    /**
     * The kernel reserves this much headroom in front of every received frame in addition to the UMEM's own
     * headroom (XDP_PACKET_HEADROOM, include/linux/netdevice.h; xp_get_handle() adds both to the RX address).
     */
    public static final int XDP_PACKET_HEADROOM = 256;

    /* SOL_SOCKET options for busy polling — asm-generic/socket.h */
    public static final int SO_BUSY_POLL = 46;
    public static final int SO_PREFER_BUSY_POLL = 69;
    public static final int SO_BUSY_POLL_BUDGET = 70;

    /** struct sockaddr_xdp { __u16 sxdp_family; __u16 sxdp_flags; __u32 sxdp_ifindex; __u32 sxdp_queue_id;
     *  __u32 sxdp_shared_umem_fd; } */
    public static final StructLayout SOCKADDR_XDP = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("sxdp_family"),
        ValueLayout.JAVA_SHORT.withName("sxdp_flags"),
        ValueLayout.JAVA_INT.withName("sxdp_ifindex"),
        ValueLayout.JAVA_INT.withName("sxdp_queue_id"),
        ValueLayout.JAVA_INT.withName("sxdp_shared_umem_fd"));
    public static final long SXDP_FAMILY = offset(SOCKADDR_XDP, "sxdp_family");
    public static final long SXDP_FLAGS = offset(SOCKADDR_XDP, "sxdp_flags");
    public static final long SXDP_IFINDEX = offset(SOCKADDR_XDP, "sxdp_ifindex");
    public static final long SXDP_QUEUE_ID = offset(SOCKADDR_XDP, "sxdp_queue_id");
    public static final long SXDP_SHARED_UMEM_FD = offset(SOCKADDR_XDP, "sxdp_shared_umem_fd");

    /** struct xdp_umem_reg { __u64 addr; __u64 len; __u32 chunk_size; __u32 headroom; __u32 flags;
     *  __u32 tx_metadata_len; } — 32 bytes since Linux 6.8 (FACTS). */
    public static final StructLayout XDP_UMEM_REG_LAYOUT = MemoryLayout.structLayout(
        ValueLayout.JAVA_LONG.withName("addr"),
        ValueLayout.JAVA_LONG.withName("len"),
        ValueLayout.JAVA_INT.withName("chunk_size"),
        ValueLayout.JAVA_INT.withName("headroom"),
        ValueLayout.JAVA_INT.withName("flags"),
        ValueLayout.JAVA_INT.withName("tx_metadata_len"));
    public static final long UMEM_REG_ADDR = offset(XDP_UMEM_REG_LAYOUT, "addr");
    public static final long UMEM_REG_LEN = offset(XDP_UMEM_REG_LAYOUT, "len");
    public static final long UMEM_REG_CHUNK_SIZE = offset(XDP_UMEM_REG_LAYOUT, "chunk_size");
    public static final long UMEM_REG_HEADROOM = offset(XDP_UMEM_REG_LAYOUT, "headroom");
    public static final long UMEM_REG_FLAGS = offset(XDP_UMEM_REG_LAYOUT, "flags");
    public static final long UMEM_REG_TX_METADATA_LEN = offset(XDP_UMEM_REG_LAYOUT, "tx_metadata_len");

    /** struct xdp_ring_offset { __u64 producer; __u64 consumer; __u64 desc; __u64 flags; } */
    public static final StructLayout XDP_RING_OFFSET = MemoryLayout.structLayout(
        ValueLayout.JAVA_LONG.withName("producer"),
        ValueLayout.JAVA_LONG.withName("consumer"),
        ValueLayout.JAVA_LONG.withName("desc"),
        ValueLayout.JAVA_LONG.withName("flags"));
    public static final long RING_OFFSET_PRODUCER = offset(XDP_RING_OFFSET, "producer");
    public static final long RING_OFFSET_CONSUMER = offset(XDP_RING_OFFSET, "consumer");
    public static final long RING_OFFSET_DESC = offset(XDP_RING_OFFSET, "desc");
    public static final long RING_OFFSET_FLAGS = offset(XDP_RING_OFFSET, "flags");

    /** struct xdp_mmap_offsets { struct xdp_ring_offset rx, tx, fr, cr; } — 4 x 32 bytes (FACTS). */
    public static final StructLayout XDP_MMAP_OFFSETS_LAYOUT = MemoryLayout.structLayout(
        XDP_RING_OFFSET.withName("rx"),
        XDP_RING_OFFSET.withName("tx"),
        XDP_RING_OFFSET.withName("fr"),
        XDP_RING_OFFSET.withName("cr"));
    public static final long MMAP_OFFSETS_RX = offset(XDP_MMAP_OFFSETS_LAYOUT, "rx");
    public static final long MMAP_OFFSETS_TX = offset(XDP_MMAP_OFFSETS_LAYOUT, "tx");
    public static final long MMAP_OFFSETS_FR = offset(XDP_MMAP_OFFSETS_LAYOUT, "fr");
    public static final long MMAP_OFFSETS_CR = offset(XDP_MMAP_OFFSETS_LAYOUT, "cr");

    /** struct xdp_desc { __u64 addr; __u32 len; __u32 options; } — RX and TX ring entries. */
    public static final StructLayout XDP_DESC = MemoryLayout.structLayout(
        ValueLayout.JAVA_LONG.withName("addr"),
        ValueLayout.JAVA_INT.withName("len"),
        ValueLayout.JAVA_INT.withName("options"));
    public static final long DESC_ADDR = offset(XDP_DESC, "addr");
    public static final long DESC_LEN = offset(XDP_DESC, "len");
    public static final long DESC_OPTIONS = offset(XDP_DESC, "options");
    public static final int XDP_DESC_SIZE = (int)XDP_DESC.byteSize();
    /** Fill and completion ring entries are bare __u64 UMEM addresses. */
    public static final int UMEM_ADDR_SIZE = (int)ValueLayout.JAVA_LONG.byteSize();

    /** struct xdp_statistics { __u64 rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full,
     *  rx_fill_ring_empty_descs, tx_ring_empty_descs; } */
    public static final StructLayout XDP_STATISTICS_LAYOUT = MemoryLayout.structLayout(
        ValueLayout.JAVA_LONG.withName("rx_dropped"),
        ValueLayout.JAVA_LONG.withName("rx_invalid_descs"),
        ValueLayout.JAVA_LONG.withName("tx_invalid_descs"),
        ValueLayout.JAVA_LONG.withName("rx_ring_full"),
        ValueLayout.JAVA_LONG.withName("rx_fill_ring_empty_descs"),
        ValueLayout.JAVA_LONG.withName("tx_ring_empty_descs"));
    public static final long STATISTICS_RX_DROPPED = offset(XDP_STATISTICS_LAYOUT, "rx_dropped");
    public static final long STATISTICS_RX_INVALID_DESCS = offset(XDP_STATISTICS_LAYOUT, "rx_invalid_descs");
    public static final long STATISTICS_TX_INVALID_DESCS = offset(XDP_STATISTICS_LAYOUT, "tx_invalid_descs");
    public static final long STATISTICS_RX_RING_FULL = offset(XDP_STATISTICS_LAYOUT, "rx_ring_full");
    public static final long STATISTICS_RX_FILL_RING_EMPTY_DESCS =
        offset(XDP_STATISTICS_LAYOUT, "rx_fill_ring_empty_descs");
    public static final long STATISTICS_TX_RING_EMPTY_DESCS = offset(XDP_STATISTICS_LAYOUT, "tx_ring_empty_descs");

    /** struct xdp_options { __u32 flags; } */
    public static final StructLayout XDP_OPTIONS_LAYOUT =
        MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("flags"));
    public static final long OPTIONS_FLAGS = offset(XDP_OPTIONS_LAYOUT, "flags");

    private XdpSockets()
    {
    }

    private static long offset(final StructLayout layout, final String field)
    {
        return layout.byteOffset(PathElement.groupElement(field));
    }
}
