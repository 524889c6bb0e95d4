package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/** Ethernet II header (IEEE 802.3 clause 3.2) with an optional IEEE 802.1Q tag between source and EtherType. */
public final class Ethernet
{
    public static final int DESTINATION = 0;
    public static final int SOURCE = 6;
    public static final int ETHER_TYPE = 12;
    public static final int HEADER_LENGTH = 14;
    /** Offsets inside the 802.1Q tag, which sits where the EtherType would be. */
    public static final int VLAN_TCI = 14;
    public static final int VLAN_ETHER_TYPE = 16;
    public static final int VLAN_HEADER_LENGTH = 18;

    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_IPV6 = 0x86dd;

    /** The I/G bit: set in the first octet of group (multicast, broadcast) addresses. */
    public static final long GROUP_BIT = 0x0100_0000_0000L;

    private Ethernet()
    {
    }

    public static long destination(final MemorySegment memory, final long frame)
    {
        return NetworkBytes.u48(memory, frame + DESTINATION);
    }

    public static long source(final MemorySegment memory, final long frame)
    {
        return NetworkBytes.u48(memory, frame + SOURCE);
    }

    public static int etherType(final MemorySegment memory, final long frame)
    {
        return NetworkBytes.u16(memory, frame + ETHER_TYPE);
    }

    public static boolean isGroup(final long mac)
    {
        return (mac & GROUP_BIT) != 0;
    }

    /**
     * Writes destination, source, the tag when {@code vlanTci >= 0}, and the EtherType at {@code frame}; returns the
     * header length (14 or 18).
     */
    public static int write(
        final MemorySegment memory,
        final long frame,
        final long destination,
        final long source,
        final int vlanTci,
        final int etherType)
    {
        NetworkBytes.setU48(memory, frame + DESTINATION, destination);
        NetworkBytes.setU48(memory, frame + SOURCE, source);
        if (vlanTci >= 0)
        {
            NetworkBytes.setU16(memory, frame + ETHER_TYPE, TYPE_VLAN);
            NetworkBytes.setU16(memory, frame + VLAN_TCI, vlanTci);
            NetworkBytes.setU16(memory, frame + VLAN_ETHER_TYPE, etherType);
            return VLAN_HEADER_LENGTH;
        }
        NetworkBytes.setU16(memory, frame + ETHER_TYPE, etherType);
        return HEADER_LENGTH;
    }

    public static int headerLength(final int vlanTci)
    {
        return vlanTci >= 0 ? VLAN_HEADER_LENGTH : HEADER_LENGTH;
    }
}
