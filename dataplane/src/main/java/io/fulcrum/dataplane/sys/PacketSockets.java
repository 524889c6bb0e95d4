package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The AF_PACKET ABI: socket options, ring statuses and the layouts of the structures shared with the kernel, named
 * as the kernel names them. Offsets are in bytes and hold for every Linux architecture (the structures contain only
 * naturally aligned fixed-width fields). Packet-mmap is described in the kernel's Documentation/networking/packet_mmap.rst.
 */
public final class PacketSockets
{
    // linux/socket.h, bits/socket_type.h, linux/if_ether.h
    public static final int AF_PACKET = 17;
    public static final int SOCK_RAW = 3;
    public static final int SOL_SOCKET = 1;
    public static final int SOL_PACKET = 263;
    public static final int ETH_P_ALL = 0x0003;
    public static final int ETH_HLEN = 14;
    public static final int VLAN_HLEN = 4;
    public static final int ETH_P_8021Q = 0x8100;

    // asm-generic/socket.h
    public static final int SO_SNDBUF = 7;
    public static final int SO_SNDBUFFORCE = 32;

    // bits/socket.h: MSG_DONTWAIT; asm-generic/errno.h
    public static final int MSG_DONTWAIT = 0x40;
    public static final int EPERM = 1;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int ENOBUFS = 105;

    // linux/if_packet.h: socket options at SOL_PACKET
    public static final int PACKET_RX_RING = 5;
    public static final int PACKET_STATISTICS = 6;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_TX_RING = 13;
    public static final int PACKET_LOSS = 14;
    public static final int PACKET_FANOUT = 18;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;

    // linux/if_packet.h: PACKET_FANOUT's argument is (type | flags) << 16 | group id
    public static final int PACKET_FANOUT_HASH = 0;
    public static final int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;

    // linux/if_packet.h: enum tpacket_versions
    public static final int TPACKET_V1 = 0;
    public static final int TPACKET_V2 = 1;
    public static final int TPACKET_V3 = 2;

    // linux/if_packet.h: RX ring statuses (block_status of a TPACKET_V3 block, tp_status of a frame)
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_LOSING = 1 << 2;
    public static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    public static final int TP_STATUS_VLAN_VALID = 1 << 4;
    public static final int TP_STATUS_BLK_TMO = 1 << 5;
    public static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;

    // linux/if_packet.h: TX ring statuses (tp_status of a frame)
    public static final int TP_STATUS_AVAILABLE = 0;
    public static final int TP_STATUS_SEND_REQUEST = 1;
    public static final int TP_STATUS_SENDING = 1 << 1;
    public static final int TP_STATUS_WRONG_FORMAT = 1 << 2;

    /** linux/if_packet.h: TPACKET_ALIGNMENT; frame sizes are multiples of it. */
    public static final int TPACKET_ALIGNMENT = 16;

    /** struct tpacket_req3 (linux/if_packet.h): seven unsigned ints. */
    public static final int TPACKET_REQ3_SIZE = 28;
    public static final long TP_BLOCK_SIZE = 0;
    public static final long TP_BLOCK_NR = 4;
    public static final long TP_FRAME_SIZE = 8;
    public static final long TP_FRAME_NR = 12;
    public static final long TP_RETIRE_BLK_TOV = 16;
    public static final long TP_SIZEOF_PRIV = 20;
    public static final long TP_FEATURE_REQ_WORD = 24;

    /**
     * struct tpacket_block_desc (linux/if_packet.h): version, offset_to_priv, then struct tpacket_hdr_v1 at 8 whose
     * fields are given here from the start of the block.
     */
    public static final long BLOCK_STATUS = 8;
    public static final long BLOCK_NUM_PKTS = 12;
    public static final long BLOCK_OFFSET_TO_FIRST_PKT = 16;
    public static final long BLOCK_BLK_LEN = 20;
    public static final long BLOCK_SEQ_NUM = 24;

    /** struct tpacket3_hdr (linux/if_packet.h), 48 bytes; hv1 is struct tpacket_hdr_variant1. */
    public static final int TPACKET3_HDR_SIZE = 48;
    public static final long TP3_NEXT_OFFSET = 0;
    public static final long TP3_SEC = 4;
    public static final long TP3_NSEC = 8;
    public static final long TP3_SNAPLEN = 12;
    public static final long TP3_LEN = 16;
    public static final long TP3_STATUS = 20;
    public static final long TP3_MAC = 24;
    public static final long TP3_NET = 26;
    public static final long TP3_HV1_RXHASH = 28;
    public static final long TP3_HV1_VLAN_TCI = 32;
    public static final long TP3_HV1_VLAN_TPID = 36;

    /**
     * Where a TX frame's data starts, TPACKET_ALIGN(sizeof(struct tpacket3_hdr)): the kernel's tpacket_parse_header
     * takes {@code tp_hdrlen - sizeof(struct sockaddr_ll)} when PACKET_TX_HAS_OFF is off (net/packet/af_packet.c).
     */
    public static final int TPACKET3_TX_DATA_OFFSET = (TPACKET3_HDR_SIZE + TPACKET_ALIGNMENT - 1) & -TPACKET_ALIGNMENT;

    /** struct tpacket_stats_v3 (linux/if_packet.h): tp_packets, tp_drops, tp_freeze_q_cnt. */
    public static final int TPACKET_STATS_V3_SIZE = 12;
    public static final long TP_STATS_PACKETS = 0;
    public static final long TP_STATS_DROPS = 4;
    public static final long TP_STATS_FREEZE_Q_CNT = 8;

    /** struct sockaddr_ll (linux/if_packet.h), 20 bytes; sll_protocol is big-endian (FACTS). */
    public static final int SOCKADDR_LL_SIZE = 20;
    public static final long SLL_FAMILY = 0;
    public static final long SLL_PROTOCOL = 2;
    public static final long SLL_IFINDEX = 4;
    public static final long SLL_HATYPE = 8;
    public static final long SLL_PKTTYPE = 10;
    public static final long SLL_HALEN = 11;
    public static final long SLL_ADDR = 12;

    // sys/mman.h
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_LOCKED = 0x2000;
    public static final int MAP_POPULATE = 0x8000;

    private static final ValueLayout.OfShort NETWORK_SHORT =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private PacketSockets()
    {
    }

    /** A struct tpacket_req3 in {@code arena}. For a TX ring the last three fields must be zero. */
    public static MemorySegment tpacketReq3(final Arena arena, final int blockSize, final int blockNr,
        final int frameSize, final int frameNr, final int retireBlkTovMs, final int sizeofPriv,
        final int featureReqWord)
    {
        final MemorySegment req = arena.allocate(TPACKET_REQ3_SIZE, 4);
        req.set(ValueLayout.JAVA_INT, TP_BLOCK_SIZE, blockSize);
        req.set(ValueLayout.JAVA_INT, TP_BLOCK_NR, blockNr);
        req.set(ValueLayout.JAVA_INT, TP_FRAME_SIZE, frameSize);
        req.set(ValueLayout.JAVA_INT, TP_FRAME_NR, frameNr);
        req.set(ValueLayout.JAVA_INT, TP_RETIRE_BLK_TOV, retireBlkTovMs);
        req.set(ValueLayout.JAVA_INT, TP_SIZEOF_PRIV, sizeofPriv);
        req.set(ValueLayout.JAVA_INT, TP_FEATURE_REQ_WORD, featureReqWord);
        return req;
    }

    /** A struct sockaddr_ll for bind(2): family, protocol (host order here, stored big-endian) and interface index. */
    public static MemorySegment sockaddrLl(final Arena arena, final int protocol, final int ifIndex)
    {
        final MemorySegment address = arena.allocate(SOCKADDR_LL_SIZE, 4);
        address.set(ValueLayout.JAVA_SHORT, SLL_FAMILY, (short)AF_PACKET);
        address.set(NETWORK_SHORT, SLL_PROTOCOL, (short)protocol);
        address.set(ValueLayout.JAVA_INT, SLL_IFINDEX, ifIndex);
        return address;
    }

    /** PACKET_FANOUT's int argument: the group id in the low 16 bits, mode and flags in the high 16. */
    public static int fanoutArgument(final int groupId, final int modeAndFlags)
    {
        if (groupId <= 0 || groupId > 0xFFFF)
        {
            throw new IllegalArgumentException("fanout group id must be 1..65535: " + groupId);
        }
        return groupId | (modeAndFlags << 16);
    }

    /** htons(3) for the protocol argument of socket(2), which the kernel reads in network order. */
    public static int htons(final int value)
    {
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN
            ? value & 0xFFFF : Short.toUnsignedInt(Short.reverseBytes((short)value));
    }
}
