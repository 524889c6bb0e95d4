package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/**
 * Parses one Ethernet frame in place into primitive fields: one mutable instance per worker, reused for every packet,
 * allocating nothing. {@link #parse} bounds-checks every read against the frame length and never throws; after it
 * returns {@link ParseResult#IP} the accessors describe the packet (after any other result they are unspecified).
 *
 * <p>Offsets returned by the accessors are relative to {@link #frameOffset()}. Addresses are two longs each, IPv4
 * addresses IPv4-mapped ({@link IpAddresses}).
 */
public final class PacketParser
{
    /** RFC 8200 section 4.1 recommends accepting any number; more than this is an attack, not a packet. */
    public static final int MAX_EXTENSION_HEADERS = 8;

    private MemorySegment memory = MemorySegment.NULL;
    private long frameOffset;
    private int frameLength;
    private int vlanTci;
    private int l3Offset;
    private int ipVersion;
    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int protocol;
    private int ipPacketLength;
    private int ipHeaderLength;
    private int l4Offset;
    private int srcPort;
    private int dstPort;
    private int tcpFlags;
    private boolean fragment;
    private boolean firstFragment;
    private int fragmentId;
    private boolean dontFragment;
    private int ttl;
    private int trafficClass;
    private int icmpType;
    private int icmpCode;
    private boolean icmpError;
    private boolean innerValid;
    private int innerProtocol;
    private long innerSrcHi;
    private long innerSrcLo;
    private long innerDstHi;
    private long innerDstLo;
    private int innerSrcPort;
    private int innerDstPort;

    /**
     * Parses the frame of {@code frameLength} bytes at {@code frameOffset} of {@code memory} and returns a
     * {@link ParseResult} code.
     */
    public int parse(final MemorySegment memory, final long frameOffset, final int frameLength)
    {
        this.memory = memory;
        this.frameOffset = frameOffset;
        this.frameLength = frameLength;
        vlanTci = -1;
        l3Offset = 0;
        ipVersion = 0;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
        protocol = 0;
        ipPacketLength = 0;
        ipHeaderLength = 0;
        l4Offset = -1;
        srcPort = 0;
        dstPort = 0;
        tcpFlags = 0;
        fragment = false;
        firstFragment = false;
        fragmentId = 0;
        dontFragment = false;
        ttl = 0;
        trafficClass = 0;
        icmpType = -1;
        icmpCode = -1;
        icmpError = false;
        innerValid = false;
        innerProtocol = 0;
        innerSrcHi = 0;
        innerSrcLo = 0;
        innerDstHi = 0;
        innerDstLo = 0;
        innerSrcPort = 0;
        innerDstPort = 0;

        if (frameOffset < 0 || frameLength < Ethernet.HEADER_LENGTH || frameOffset > memory.byteSize() - frameLength)
        {
            return ParseResult.TRUNCATED_ETHERNET;
        }
        int etherType = Ethernet.etherType(memory, frameOffset);
        int l3 = Ethernet.HEADER_LENGTH;
        if (etherType == Ethernet.TYPE_VLAN)
        {
            if (frameLength < Ethernet.VLAN_HEADER_LENGTH)
            {
                return ParseResult.TRUNCATED_ETHERNET;
            }
            vlanTci = NetworkBytes.u16(memory, frameOffset + Ethernet.VLAN_TCI);
            etherType = NetworkBytes.u16(memory, frameOffset + Ethernet.VLAN_ETHER_TYPE);
            l3 = Ethernet.VLAN_HEADER_LENGTH;
        }
        l3Offset = l3;
        if (etherType == Ethernet.TYPE_IPV4)
        {
            return parseIpv4(memory, frameOffset + l3, frameLength - l3);
        }
        if (etherType == Ethernet.TYPE_IPV6)
        {
            return parseIpv6(memory, frameOffset + l3, frameLength - l3);
        }
        return ParseResult.NOT_IP;
    }

    private int parseIpv4(final MemorySegment memory, final long ip, final int available)
    {
        if (available < Ipv4.MIN_HEADER_LENGTH)
        {
            return ParseResult.TRUNCATED_IP;
        }
        if (Ipv4.version(memory, ip) != 4)
        {
            return ParseResult.BAD_IP_VERSION;
        }
        final int headerLength = Ipv4.headerLength(memory, ip);
        if (headerLength < Ipv4.MIN_HEADER_LENGTH || headerLength > available)
        {
            return ParseResult.BAD_IHL;
        }
        final int totalLength = Ipv4.totalLength(memory, ip);
        if (totalLength < headerLength || totalLength > available)
        {
            return ParseResult.BAD_TOTAL_LENGTH;
        }
        ipVersion = 4;
        ipPacketLength = totalLength;
        ipHeaderLength = headerLength;
        trafficClass = Ipv4.tos(memory, ip);
        ttl = Ipv4.ttl(memory, ip);
        protocol = Ipv4.protocol(memory, ip);
        fragmentId = Ipv4.identification(memory, ip);
        srcLo = IpAddresses.v4Lo(Ipv4.source(memory, ip));
        dstLo = IpAddresses.v4Lo(Ipv4.destination(memory, ip));

        final int flags = Ipv4.flagsAndFragmentOffset(memory, ip);
        final int fragmentOffset = (flags & Ipv4.FRAGMENT_OFFSET_MASK) << 3;
        final boolean more = (flags & Ipv4.FLAG_MORE_FRAGMENTS) != 0;
        final int l4Length = totalLength - headerLength;
        dontFragment = (flags & Ipv4.FLAG_DONT_FRAGMENT) != 0;
        if (more || fragmentOffset != 0)
        {
            fragment = true;
            // RFC 791 section 3.2: a non-last fragment carries a multiple of 8 octets; no datagram passes 65535.
            if (fragmentOffset + l4Length > Ipv4.MAX_PACKET_LENGTH || more && (l4Length == 0 || (l4Length & 7) != 0))
            {
                return ParseResult.BAD_FRAGMENT;
            }
            if (fragmentOffset != 0)
            {
                return ParseResult.IP; // no upper-layer header here: no ports
            }
            firstFragment = true;
        }
        return parseUpperLayer(memory, ip + headerLength, l4Length);
    }

    private int parseIpv6(final MemorySegment memory, final long ip, final int available)
    {
        if (available < Ipv6.HEADER_LENGTH)
        {
            return ParseResult.TRUNCATED_IP;
        }
        if (Ipv6.version(memory, ip) != 6)
        {
            return ParseResult.BAD_IP_VERSION;
        }
        final int packetLength = Ipv6.HEADER_LENGTH + Ipv6.payloadLength(memory, ip);
        if (packetLength > available)
        {
            return ParseResult.BAD_TOTAL_LENGTH;
        }
        ipVersion = 6;
        ipPacketLength = packetLength;
        trafficClass = Ipv6.trafficClass(memory, ip);
        ttl = Ipv6.hopLimit(memory, ip);
        dontFragment = true; // RFC 8200 section 5: only the source fragments
        srcHi = Ipv6.sourceHi(memory, ip);
        srcLo = Ipv6.sourceLo(memory, ip);
        dstHi = Ipv6.destinationHi(memory, ip);
        dstLo = Ipv6.destinationLo(memory, ip);

        int nextHeader = Ipv6.nextHeader(memory, ip);
        int offset = Ipv6.HEADER_LENGTH;
        int headers = 0;
        int routingSeen = 0;
        int destinationOptionsSeen = 0;
        boolean fragmentSeen = false;
        while (true)
        {
            if (nextHeader == Ipv6.HOP_BY_HOP || nextHeader == Ipv6.ROUTING || nextHeader == Ipv6.DESTINATION_OPTIONS)
            {
                // RFC 8200 section 4.1: hop-by-hop only first; each header at most once, destination options twice.
                if (nextHeader == Ipv6.HOP_BY_HOP && headers != 0
                    || nextHeader == Ipv6.ROUTING && routingSeen++ != 0
                    || nextHeader == Ipv6.DESTINATION_OPTIONS && destinationOptionsSeen++ == 2
                    || offset + 2 > packetLength)
                {
                    return ParseResult.BAD_EXTENSION_CHAIN;
                }
                final int length = (NetworkBytes.u8(memory, ip + offset + Ipv6.EXTENSION_LENGTH) + 1) << 3;
                if (length > packetLength - offset)
                {
                    return ParseResult.BAD_EXTENSION_CHAIN;
                }
                nextHeader = NetworkBytes.u8(memory, ip + offset + Ipv6.EXTENSION_NEXT_HEADER);
                offset += length;
            }
            else if (nextHeader == Ipv6.FRAGMENT)
            {
                if (fragmentSeen || offset + Ipv6.FRAGMENT_HEADER_LENGTH > packetLength)
                {
                    return ParseResult.BAD_EXTENSION_CHAIN;
                }
                fragmentSeen = true;
                final int offsetFlags = NetworkBytes.u16(memory, ip + offset + Ipv6.FRAGMENT_OFFSET_FLAGS);
                final int fragmentOffset = offsetFlags & Ipv6.FRAGMENT_OFFSET_MASK;
                final boolean more = (offsetFlags & Ipv6.FRAGMENT_MORE) != 0;
                nextHeader = NetworkBytes.u8(memory, ip + offset + Ipv6.EXTENSION_NEXT_HEADER);
                fragmentId = NetworkBytes.u32(memory, ip + offset + Ipv6.FRAGMENT_IDENTIFICATION);
                offset += Ipv6.FRAGMENT_HEADER_LENGTH;
                // An atomic fragment (offset 0, M clear; RFC 6946) is a whole packet, not a fragment.
                if (more || fragmentOffset != 0)
                {
                    fragment = true;
                    final int fragmentableLength = packetLength - offset;
                    // RFC 8200 section 4.5: non-last fragments are multiples of 8 octets; reassembly stays in 65535.
                    if (fragmentOffset + fragmentableLength > Ipv4.MAX_PACKET_LENGTH
                        || more && (fragmentableLength == 0 || (fragmentableLength & 7) != 0))
                    {
                        return ParseResult.BAD_FRAGMENT;
                    }
                    if (fragmentOffset != 0)
                    {
                        if (++headers > MAX_EXTENSION_HEADERS)
                        {
                            return ParseResult.BAD_EXTENSION_CHAIN;
                        }
                        protocol = nextHeader;
                        ipHeaderLength = offset;
                        return ParseResult.IP;
                    }
                    firstFragment = true;
                }
            }
            else
            {
                break;
            }
            if (++headers > MAX_EXTENSION_HEADERS)
            {
                return ParseResult.BAD_EXTENSION_CHAIN;
            }
        }
        protocol = nextHeader;
        ipHeaderLength = offset;
        return parseUpperLayer(memory, ip + offset, packetLength - offset);
    }

    private int parseUpperLayer(final MemorySegment memory, final long l4, final int length)
    {
        l4Offset = (int)(l4 - frameOffset);
        switch (protocol)
        {
            case Ipv4.PROTOCOL_TCP ->
            {
                if (length < Tcp.MIN_HEADER_LENGTH)
                {
                    return ParseResult.TRUNCATED_L4;
                }
                final int headerLength = Tcp.headerLength(memory, l4);
                if (headerLength < Tcp.MIN_HEADER_LENGTH || headerLength > length)
                {
                    return ParseResult.TRUNCATED_L4;
                }
                srcPort = Tcp.sourcePort(memory, l4);
                dstPort = Tcp.destinationPort(memory, l4);
                tcpFlags = Tcp.flags(memory, l4);
            }
            case Ipv4.PROTOCOL_UDP ->
            {
                if (length < Udp.HEADER_LENGTH)
                {
                    return ParseResult.TRUNCATED_L4;
                }
                srcPort = Udp.sourcePort(memory, l4);
                dstPort = Udp.destinationPort(memory, l4);
            }
            case Ipv4.PROTOCOL_ICMP, Ipv4.PROTOCOL_ICMPV6 ->
            {
                // ICMP inside IPv6 or ICMPv6 inside IPv4 is just an unknown protocol.
                if ((protocol == Ipv4.PROTOCOL_ICMP) == (ipVersion == 4))
                {
                    if (length < Icmp.HEADER_LENGTH)
                    {
                        return ParseResult.TRUNCATED_L4;
                    }
                    icmpType = Icmp.type(memory, l4);
                    icmpCode = Icmp.code(memory, l4);
                    icmpError = Icmp.isError(ipVersion, icmpType);
                    if (icmpError)
                    {
                        parseQuoted(memory, l4 + Icmp.HEADER_LENGTH, length - Icmp.HEADER_LENGTH);
                    }
                }
            }
            default ->
            {
                // Another upper layer (or 59, no next header): no ports.
            }
        }
        return ParseResult.IP;
    }

    /**
     * The datagram an ICMP error quotes (RFC 792: IP header + 64 bits; RFC 4443 section 2.4 (c): as much as fits):
     * parsed as far as present to find the flow it belongs to. Garbage here leaves {@link #innerValid()} false.
     */
    private void parseQuoted(final MemorySegment memory, final long ip, final int available)
    {
        int l4;
        int nextHeader;
        boolean nonFirstFragment = false;
        if (ipVersion == 4)
        {
            if (available < Ipv4.MIN_HEADER_LENGTH || Ipv4.version(memory, ip) != 4)
            {
                return;
            }
            final int headerLength = Ipv4.headerLength(memory, ip);
            if (headerLength < Ipv4.MIN_HEADER_LENGTH || headerLength > available)
            {
                return;
            }
            innerSrcLo = IpAddresses.v4Lo(Ipv4.source(memory, ip));
            innerDstLo = IpAddresses.v4Lo(Ipv4.destination(memory, ip));
            nextHeader = Ipv4.protocol(memory, ip);
            nonFirstFragment = (Ipv4.flagsAndFragmentOffset(memory, ip) & Ipv4.FRAGMENT_OFFSET_MASK) != 0;
            l4 = headerLength;
        }
        else
        {
            if (available < Ipv6.HEADER_LENGTH || Ipv6.version(memory, ip) != 6)
            {
                return;
            }
            innerSrcHi = Ipv6.sourceHi(memory, ip);
            innerSrcLo = Ipv6.sourceLo(memory, ip);
            innerDstHi = Ipv6.destinationHi(memory, ip);
            innerDstLo = Ipv6.destinationLo(memory, ip);
            nextHeader = Ipv6.nextHeader(memory, ip);
            l4 = Ipv6.HEADER_LENGTH;
            for (int headers = 0; ; headers++)
            {
                if (nextHeader != Ipv6.HOP_BY_HOP && nextHeader != Ipv6.ROUTING
                    && nextHeader != Ipv6.DESTINATION_OPTIONS && nextHeader != Ipv6.FRAGMENT)
                {
                    break;
                }
                if (headers == MAX_EXTENSION_HEADERS || l4 + Ipv6.FRAGMENT_HEADER_LENGTH > available)
                {
                    innerSrcHi = innerSrcLo = innerDstHi = innerDstLo = 0;
                    return;
                }
                final int header = nextHeader;
                nextHeader = NetworkBytes.u8(memory, ip + l4);
                if (header == Ipv6.FRAGMENT)
                {
                    nonFirstFragment |= (NetworkBytes.u16(memory, ip + l4 + 2) & Ipv6.FRAGMENT_OFFSET_MASK) != 0;
                    l4 += Ipv6.FRAGMENT_HEADER_LENGTH;
                }
                else
                {
                    l4 += (NetworkBytes.u8(memory, ip + l4 + 1) + 1) << 3;
                }
            }
        }
        innerValid = true;
        innerProtocol = nextHeader;
        if (!nonFirstFragment && l4 + 4 <= available
            && (nextHeader == Ipv4.PROTOCOL_TCP || nextHeader == Ipv4.PROTOCOL_UDP))
        {
            innerSrcPort = NetworkBytes.u16(memory, ip + l4);
            innerDstPort = NetworkBytes.u16(memory, ip + l4 + 2);
        }
    }

    public MemorySegment memory()
    {
        return memory;
    }

    public long frameOffset()
    {
        return frameOffset;
    }

    public int frameLength()
    {
        return frameLength;
    }

    /** The 802.1Q tag control information (PCP, DEI, VLAN id), or -1 for an untagged frame. */
    public int vlanTci()
    {
        return vlanTci;
    }

    /** Start of the IP header relative to the frame: 14, or 18 with a VLAN tag. */
    public int l3Offset()
    {
        return l3Offset;
    }

    public int ipVersion()
    {
        return ipVersion;
    }

    public long srcHi()
    {
        return srcHi;
    }

    public long srcLo()
    {
        return srcLo;
    }

    public long dstHi()
    {
        return dstHi;
    }

    public long dstLo()
    {
        return dstLo;
    }

    /** The final upper-layer protocol (after IPv6 extension headers). */
    public int protocol()
    {
        return protocol;
    }

    /** IPv4 total length or 40 + IPv6 payload length: may be less than the frame holds (Ethernet padding). */
    public int ipPacketLength()
    {
        return ipPacketLength;
    }

    /** IPv4 IHL * 4, or 40 + the IPv6 extension headers before the upper layer. */
    public int ipHeaderLength()
    {
        return ipHeaderLength;
    }

    /** Start of the upper-layer header relative to the frame; -1 for a non-first fragment. */
    public int l4Offset()
    {
        return l4Offset;
    }

    /** TCP or UDP source port, 0 when there is none. */
    public int srcPort()
    {
        return srcPort;
    }

    public int dstPort()
    {
        return dstPort;
    }

    /** The TCP flags octet (CWR ECE URG ACK PSH RST SYN FIN); 0 when not TCP. */
    public int tcpFlags()
    {
        return tcpFlags;
    }

    public boolean isFragment()
    {
        return fragment;
    }

    public boolean isFirstFragment()
    {
        return firstFragment;
    }

    /** IPv4 identification (16 bits) or IPv6 fragment identification (32 bits). */
    public int fragmentId()
    {
        return fragmentId;
    }

    /** The IPv4 DF bit; always true for IPv6, which routers never fragment. */
    public boolean dontFragment()
    {
        return dontFragment;
    }

    /** IPv4 TTL or IPv6 hop limit. */
    public int ttl()
    {
        return ttl;
    }

    /** IPv4 TOS or IPv6 traffic class octet: DSCP and ECN. */
    public int trafficClass()
    {
        return trafficClass;
    }

    public int icmpType()
    {
        return icmpType;
    }

    public int icmpCode()
    {
        return icmpCode;
    }

    /** ICMPv4 destination unreachable, time exceeded, parameter problem; ICMPv6 types 1 to 4. */
    public boolean isIcmpError()
    {
        return icmpError;
    }

    /** True when an ICMP error quotes an IP header of the same family that could be read. */
    public boolean innerValid()
    {
        return innerValid;
    }

    public int innerProtocol()
    {
        return innerProtocol;
    }

    public long innerSrcHi()
    {
        return innerSrcHi;
    }

    public long innerSrcLo()
    {
        return innerSrcLo;
    }

    public long innerDstHi()
    {
        return innerDstHi;
    }

    public long innerDstLo()
    {
        return innerDstLo;
    }

    /** Quoted TCP/UDP source port (the client's destination port for a reply it sent), 0 when absent. */
    public int innerSrcPort()
    {
        return innerSrcPort;
    }

    public int innerDstPort()
    {
        return innerDstPort;
    }
}
