package io.fulcrum.vrrp;

import java.lang.foreign.MemorySegment;

import io.fulcrum.dataplane.packet.Checksums;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.NetworkBytes;

/**
 * The frames a new Master sends so that neighbours move the virtual addresses to its MAC (RFC 9568 section 6.4.2):
 * a gratuitous ARP request for each IPv4 address (RFC 5227 section 3 calls it an ARP Announcement) and an
 * unsolicited Neighbor Advertisement with the Override flag for each IPv6 address (RFC 4861 section 7.2.6).
 * Whole Ethernet frames for an AF_PACKET socket, padded to the 60-byte Ethernet minimum.
 */
public final class Announcements
{
    public static final int MIN_FRAME = 60;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    public static final long BROADCAST_MAC = 0xffff_ffff_ffffL;
    /** 33:33:00:00:00:01, the Ethernet mapping of ff02::1 (RFC 2464 section 7). */
    public static final long ALL_NODES_MAC = 0x3333_0000_0001L;
    public static final long ALL_NODES_HI = 0xff02_0000_0000_0000L;
    public static final long ALL_NODES_LO = 1L;
    private static final int ICMPV6 = 58;
    private static final int NEIGHBOR_ADVERTISEMENT = 136;
    private static final int FLAG_OVERRIDE = 0x2000_0000;
    private static final int OPTION_TARGET_LINK_LAYER_ADDRESS = 2;

    private Announcements()
    {
    }

    /** A gratuitous ARP request: sender and target protocol address both {@code address}; returns the length. */
    public static int gratuitousArp(final MemorySegment frame, final long mac, final int address)
    {
        frame.asSlice(0, MIN_FRAME).fill((byte)0);
        NetworkBytes.setU48(frame, 0, BROADCAST_MAC);
        NetworkBytes.setU48(frame, 6, mac);
        NetworkBytes.setU16(frame, 12, ETHERTYPE_ARP);
        NetworkBytes.setU16(frame, 14, 1); // hardware type Ethernet
        NetworkBytes.setU16(frame, 16, 0x0800); // protocol type IPv4
        NetworkBytes.setU8(frame, 18, 6);
        NetworkBytes.setU8(frame, 19, 4);
        NetworkBytes.setU16(frame, 20, 1); // request
        NetworkBytes.setU48(frame, 22, mac);
        NetworkBytes.setU32(frame, 28, address);
        NetworkBytes.setU48(frame, 32, 0); // target hardware address unknown
        NetworkBytes.setU32(frame, 38, address);
        return MIN_FRAME;
    }

    /**
     * An unsolicited Neighbor Advertisement for {@code target} to all nodes, from {@code source} (an address of the
     * interface, normally its link-local one), Override set, with the target link-layer address option.
     */
    public static int unsolicitedNeighborAdvertisement(final MemorySegment frame, final long mac,
        final long sourceHi, final long sourceLo, final long targetHi, final long targetLo)
    {
        final int icmpLength = 32;
        frame.asSlice(0, 14 + 40 + icmpLength).fill((byte)0);
        NetworkBytes.setU48(frame, 0, ALL_NODES_MAC);
        NetworkBytes.setU48(frame, 6, mac);
        NetworkBytes.setU16(frame, 12, ETHERTYPE_IPV6);
        NetworkBytes.setU32(frame, 14, 0x6000_0000);
        NetworkBytes.setU16(frame, 18, icmpLength);
        NetworkBytes.setU8(frame, 20, ICMPV6);
        NetworkBytes.setU8(frame, 21, 255); // RFC 4861 section 7.1.2: hop limit 255
        NetworkBytes.setU64(frame, 22, sourceHi);
        NetworkBytes.setU64(frame, 30, sourceLo);
        NetworkBytes.setU64(frame, 38, ALL_NODES_HI);
        NetworkBytes.setU64(frame, 46, ALL_NODES_LO);
        final long icmp = 54;
        NetworkBytes.setU8(frame, icmp, NEIGHBOR_ADVERTISEMENT);
        NetworkBytes.setU32(frame, icmp + 4, FLAG_OVERRIDE);
        NetworkBytes.setU64(frame, icmp + 8, targetHi);
        NetworkBytes.setU64(frame, icmp + 16, targetLo);
        NetworkBytes.setU8(frame, icmp + 24, OPTION_TARGET_LINK_LAYER_ADDRESS);
        NetworkBytes.setU8(frame, icmp + 25, 1);
        NetworkBytes.setU48(frame, icmp + 26, mac);
        final long sum = Checksums.sum(frame, icmp, icmpLength)
            + Checksums.ipv6PseudoHeaderSum(sourceHi, sourceLo, ALL_NODES_HI, ALL_NODES_LO, ICMPV6, icmpLength);
        NetworkBytes.setU16(frame, icmp + 2, Checksums.fold(sum));
        return (int)icmp + icmpLength;
    }

    /** The frame announcing {@code (hi, lo)}, of its family. */
    public static int announce(final MemorySegment frame, final long mac, final long sourceHi, final long sourceLo,
        final long hi, final long lo)
    {
        return IpAddresses.isV4(hi, lo)
            ? gratuitousArp(frame, mac, IpAddresses.v4(lo))
            : unsolicitedNeighborAdvertisement(frame, mac, sourceHi, sourceLo, hi, lo);
    }
}
