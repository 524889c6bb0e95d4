package io.fulcrum.dataplane.packet;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketParserTest
{
    private final PacketParser parser = new PacketParser();

    private int parse(final byte[] frame)
    {
        // Frame placed at a non-zero offset so that offsets relative to the frame are really checked.
        return parser.parse(FrameBuilder.inSlot(frame, 256, 0), 256, frame.length);
    }

    private static long v4(final String literal)
    {
        final byte[] b = FrameBuilder.address(literal, 4);
        return IpAddresses.v4Lo((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
    }

    private static long hi(final String literal)
    {
        return MemorySegment.ofArray(FrameBuilder.address(literal, 6)).get(NetworkBytes.U64, 0);
    }

    private static long lo(final String literal)
    {
        return MemorySegment.ofArray(FrameBuilder.address(literal, 6)).get(NetworkBytes.U64, 8);
    }

    @Test
    void tcpOverIpv4GivesAddressesPortsAndFlags()
    {
        final byte[] frame = FrameBuilder.ipv4("192.0.2.1", "198.51.100.7").tcp(40000, 80, Tcp.SYN).trafficClass(0xb8)
            .ttl(57).payload(10).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(256, parser.frameOffset());
        assertEquals(frame.length, parser.frameLength());
        assertEquals(-1, parser.vlanTci());
        assertEquals(14, parser.l3Offset());
        assertEquals(4, parser.ipVersion());
        assertEquals(0, parser.srcHi());
        assertEquals(v4("192.0.2.1"), parser.srcLo());
        assertEquals(0, parser.dstHi());
        assertEquals(v4("198.51.100.7"), parser.dstLo());
        assertEquals(Ipv4.PROTOCOL_TCP, parser.protocol());
        assertEquals(20 + 20 + 10, parser.ipPacketLength());
        assertEquals(20, parser.ipHeaderLength());
        assertEquals(34, parser.l4Offset());
        assertEquals(40000, parser.srcPort());
        assertEquals(80, parser.dstPort());
        assertEquals(Tcp.SYN, parser.tcpFlags());
        assertFalse(parser.isFragment());
        assertTrue(parser.dontFragment());
        assertEquals(57, parser.ttl());
        assertEquals(0xb8, parser.trafficClass());
        assertEquals(-1, parser.icmpType());
        assertFalse(parser.isIcmpError());
    }

    @Test
    void ipv4OptionsMoveTheTransportHeader()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").options(new byte[]{(byte)0x94, 4, 0, 0, 1, 1, 1, 0})
            .udp(5353, 53).payload(4).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(28, parser.ipHeaderLength());
        assertEquals(14 + 28, parser.l4Offset());
        assertEquals(5353, parser.srcPort());
        assertEquals(53, parser.dstPort());
    }

    @Test
    void tcpWithOptionsParses()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, Tcp.SYN | Tcp.ACK).tcpOptions(40).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(Tcp.SYN | Tcp.ACK, parser.tcpFlags());
    }

    @Test
    void ethernetPaddingIsNotPartOfTheIpPacket()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
        assertEquals(60, frame.length);
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(28, parser.ipPacketLength());
    }

    @Test
    void vlanTaggedFrameReportsTheTagAndAnIpHeaderAt18()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").vlan(0x2064).udp(1000, 443).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(0x2064, parser.vlanTci());
        assertEquals(18, parser.l3Offset());
        assertEquals(18 + 40, parser.l4Offset());
        assertEquals(443, parser.dstPort());
    }

    @Test
    void tcpOverIpv6GivesBothHalvesOfEachAddress()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8:1:2:3:4:5:6", "2001:db8::80").tcp(50000, 443, Tcp.ACK)
            .trafficClass(0x2e).ttl(33).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(6, parser.ipVersion());
        assertEquals(hi("2001:db8:1:2:3:4:5:6"), parser.srcHi());
        assertEquals(lo("2001:db8:1:2:3:4:5:6"), parser.srcLo());
        assertEquals(hi("2001:db8::80"), parser.dstHi());
        assertEquals(lo("2001:db8::80"), parser.dstLo());
        assertEquals(40, parser.ipHeaderLength());
        assertEquals(60, parser.ipPacketLength());
        assertEquals(0x2e, parser.trafficClass());
        assertEquals(33, parser.ttl());
        assertTrue(parser.dontFragment());
        assertEquals(50000, parser.srcPort());
    }

    @Test
    void eachIpv6ExtensionHeaderIsWalkedToTheTransportHeader()
    {
        final int[] types = {Ipv6.HOP_BY_HOP, Ipv6.ROUTING, Ipv6.DESTINATION_OPTIONS};
        for (final int type : types)
        {
            final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").extension(type, 1).udp(7, 9).build();
            assertEquals(ParseResult.IP, parse(frame), "extension " + type);
            assertEquals(40 + 16, parser.ipHeaderLength());
            assertEquals(Ipv4.PROTOCOL_UDP, parser.protocol());
            assertEquals(9, parser.dstPort());
        }
    }

    @Test
    void aChainOfEveryExtensionHeaderIsWalked()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .extension(Ipv6.HOP_BY_HOP, 0)
            .extension(Ipv6.DESTINATION_OPTIONS, 2)
            .extension(Ipv6.ROUTING, 0)
            .fragment(0, true, 77)
            .extension(Ipv6.DESTINATION_OPTIONS, 0)
            .tcp(1234, 80, Tcp.SYN)
            .payload(4)
            .build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(40 + 8 + 24 + 8 + 8 + 8, parser.ipHeaderLength());
        assertEquals(14 + parser.ipHeaderLength(), parser.l4Offset());
        assertEquals(Ipv4.PROTOCOL_TCP, parser.protocol());
        assertEquals(80, parser.dstPort());
        assertTrue(parser.isFragment());
        assertTrue(parser.isFirstFragment());
        assertEquals(77, parser.fragmentId());
    }

    @Test
    void noNextHeaderIsAnUpperLayerWithoutPorts()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").extension(Ipv6.DESTINATION_OPTIONS, 0).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(Ipv6.NO_NEXT_HEADER, parser.protocol());
        assertEquals(0, parser.srcPort());
        assertEquals(0, parser.dstPort());
        assertEquals(14 + 48, parser.l4Offset());
    }

    @Test
    void firstIpv4FragmentHasPortsAndLaterOnesDoNot()
    {
        final byte[] first = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").udp(1111, 2222).payload(24)
            .fragment(0, true, 0xbeef).build();
        assertEquals(ParseResult.IP, parse(first));
        assertTrue(parser.isFragment());
        assertTrue(parser.isFirstFragment());
        assertFalse(parser.dontFragment());
        assertEquals(0xbeef, parser.fragmentId());
        assertEquals(2222, parser.dstPort());

        final byte[] later = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").raw(Ipv4.PROTOCOL_UDP).payload(20)
            .fragment(32, false, 0xbeef).build();
        assertEquals(ParseResult.IP, parse(later));
        assertTrue(parser.isFragment());
        assertFalse(parser.isFirstFragment());
        assertEquals(-1, parser.l4Offset());
        assertEquals(0, parser.srcPort());
        assertEquals(0, parser.dstPort());
        assertEquals(Ipv4.PROTOCOL_UDP, parser.protocol());
        assertEquals(0xbeef, parser.fragmentId());
    }

    @Test
    void firstIpv6FragmentHasPortsAndLaterOnesDoNot()
    {
        final byte[] first = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").fragment(0, true, 0x12345678)
            .udp(1111, 2222).payload(24).build();
        assertEquals(ParseResult.IP, parse(first));
        assertTrue(parser.isFirstFragment());
        assertEquals(0x12345678, parser.fragmentId());
        assertEquals(2222, parser.dstPort());

        final byte[] later = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").fragment(1448, false, 0x12345678)
            .raw(Ipv4.PROTOCOL_UDP).payload(100).build();
        assertEquals(ParseResult.IP, parse(later));
        assertTrue(parser.isFragment());
        assertFalse(parser.isFirstFragment());
        assertEquals(-1, parser.l4Offset());
        assertEquals(0, parser.dstPort());
        assertEquals(48, parser.ipHeaderLength());
        assertEquals(Ipv4.PROTOCOL_UDP, parser.protocol());
    }

    @Test
    void atomicIpv6FragmentIsAWholePacket()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").fragment(0, false, 5).udp(1, 2).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertFalse(parser.isFragment());
        assertEquals(2, parser.dstPort());
    }

    @Test
    void icmpv4ErrorRevealsTheFlowItQuotes()
    {
        // A backend's reply (VIP:80 -> client:40000) hit a router that sent "fragmentation needed" to the VIP.
        final byte[] quoted = FrameBuilder.ipv4("198.51.100.7", "192.0.2.1").tcp(80, 40000, Tcp.ACK).payload(100).buildIp();
        final byte[] frame = FrameBuilder.ipv4("203.0.113.9", "198.51.100.7").icmp(3, 4, 1400)
            .payload(java.util.Arrays.copyOf(quoted, 28)).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(3, parser.icmpType());
        assertEquals(4, parser.icmpCode());
        assertTrue(parser.isIcmpError());
        assertTrue(parser.innerValid());
        assertEquals(Ipv4.PROTOCOL_TCP, parser.innerProtocol());
        assertEquals(v4("198.51.100.7"), parser.innerSrcLo());
        assertEquals(v4("192.0.2.1"), parser.innerDstLo());
        assertEquals(80, parser.innerSrcPort());
        assertEquals(40000, parser.innerDstPort());
    }

    @Test
    void icmpv6ErrorRevealsTheFlowItQuotesPastExtensionHeaders()
    {
        final byte[] quoted = FrameBuilder.ipv6("2001:db8::80", "2001:db8:ff::1").extension(Ipv6.DESTINATION_OPTIONS, 0)
            .udp(53, 33000).payload(1300).buildIp();
        final byte[] frame = FrameBuilder.ipv6("2001:db8:aa::1", "2001:db8::80").icmp(2, 0, 1280)
            .payload(java.util.Arrays.copyOf(quoted, 1232)).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertTrue(parser.isIcmpError());
        assertTrue(parser.innerValid());
        assertEquals(Ipv4.PROTOCOL_UDP, parser.innerProtocol());
        assertEquals(hi("2001:db8::80"), parser.innerSrcHi());
        assertEquals(lo("2001:db8::80"), parser.innerSrcLo());
        assertEquals(hi("2001:db8:ff::1"), parser.innerDstHi());
        assertEquals(lo("2001:db8:ff::1"), parser.innerDstLo());
        assertEquals(53, parser.innerSrcPort());
        assertEquals(33000, parser.innerDstPort());
    }

    @Test
    void icmpErrorWithGarbageQuoteIsStillIpButInnerIsNotValid()
    {
        final byte[] frame = FrameBuilder.ipv4("203.0.113.9", "198.51.100.7").icmp(11, 0, 0)
            .payload(new byte[]{0x60, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertTrue(parser.isIcmpError());
        assertFalse(parser.innerValid());

        final byte[] shortQuote = FrameBuilder.ipv4("203.0.113.9", "198.51.100.7").icmp(3, 1, 0).payload(12).build();
        assertEquals(ParseResult.IP, parse(shortQuote));
        assertFalse(parser.innerValid());
    }

    @Test
    void echoRequestIsIcmpButNotAnError()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").icmp(128, 0, 0x00010001).payload(56).build();
        assertEquals(ParseResult.IP, parse(frame));
        assertEquals(128, parser.icmpType());
        assertEquals(0, parser.icmpCode());
        assertFalse(parser.isIcmpError());
        assertFalse(parser.innerValid());
    }

    @Test
    void arpIsNotIp()
    {
        assertEquals(ParseResult.NOT_IP, parse(FrameBuilder.arp("10.0.0.1", "10.0.0.2")));
    }

    @Test
    void reusingTheParserForgetsThePreviousPacket()
    {
        parse(FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").vlan(5).tcp(1, 2, Tcp.SYN).build());
        assertEquals(ParseResult.IP, parse(FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").raw(47).payload(8).build()));
        assertEquals(-1, parser.vlanTci());
        assertEquals(0, parser.srcPort());
        assertEquals(0, parser.tcpFlags());
        assertEquals(47, parser.protocol());
    }

    @Test
    void resultCodesHaveNamesAndOnlyMalformedOnesAreMalformed()
    {
        assertFalse(ParseResult.isMalformed(ParseResult.IP));
        assertFalse(ParseResult.isMalformed(ParseResult.NOT_IP));
        for (int code = ParseResult.TRUNCATED_ETHERNET; code < ParseResult.COUNT; code++)
        {
            assertTrue(ParseResult.isMalformed(code));
            assertFalse(ParseResult.name(code).startsWith("unknown"));
        }
        assertEquals("bad-ihl", ParseResult.name(ParseResult.BAD_IHL));
    }
}
