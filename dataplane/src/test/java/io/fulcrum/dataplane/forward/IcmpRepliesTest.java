package io.fulcrum.dataplane.forward;

import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.NetworkBytes;
import io.fulcrum.dataplane.packet.ParseResult;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.port.pcap.PcapWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcmpRepliesTest
{
    private static final int SLOT_SIZE = 2048;
    private static final long SLOT_START = SLOT_SIZE;
    private static final long OUR_MAC = 0x02_00_00_00_00_99L;

    private final IcmpReplies replies = new IcmpReplies();
    private final PacketParser parser = new PacketParser();

    private static byte[] bigV4()
    {
        return FrameBuilder.ipv4("192.0.2.10", "198.51.100.1").options(new byte[]{1, 1, 1, 1}).tcp(40000, 80, Tcp.ACK)
            .payload(1400).build();
    }

    private static byte[] bigV6()
    {
        return FrameBuilder.ipv6("2001:db8:c::10", "2001:db8:5::1").vlan(42).tcp(40001, 443, Tcp.ACK).payload(1400)
            .build();
    }

    /** The reply to {@code frame} placed {@code headroom} bytes into its slot, as bytes. */
    private byte[] reply(final byte[] frame, final int headroom, final int mtu)
    {
        final MemorySegment memory = MemorySegment.ofArray(new byte[3 * SLOT_SIZE]);
        final long at = SLOT_START + headroom;
        MemorySegment.copy(frame, 0, memory, ValueLayout.JAVA_BYTE, at, frame.length);
        assertEquals(ParseResult.IP, parser.parse(memory, at, frame.length));
        final long result = replies.packetTooBig(memory, SLOT_START, SLOT_SIZE, parser, mtu, OUR_MAC);
        assertTrue(result >= SLOT_START && result + replies.lastLength() <= SLOT_START + SLOT_SIZE);
        return memory.asSlice(result, replies.lastLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void ipv4FragmentationNeededQuotesTheHeaderAndEightBytesBackToTheClient()
    {
        final byte[] frame = bigV4();
        for (final int headroom : new int[]{256, 0, 10})
        {
            final byte[] out = reply(frame, headroom, 1480);
            final MemorySegment memory = MemorySegment.ofArray(out);
            assertEquals(14 + 20 + 8 + 24 + 8, out.length, "headroom " + headroom);
            assertEquals(FrameBuilder.CLIENT_MAC, NetworkBytes.u48(memory, 0));
            assertEquals(FrameBuilder.BALANCER_MAC, NetworkBytes.u48(memory, 6));
            assertEquals(ParseResult.IP, parser.parse(memory, 0, out.length));
            assertEquals(address("198.51.100.1"), IpAddresses.toInetAddress(parser.srcHi(), parser.srcLo()));
            assertEquals(address("192.0.2.10"), IpAddresses.toInetAddress(parser.dstHi(), parser.dstLo()));
            assertEquals(64, parser.ttl());
            assertEquals(3, parser.icmpType());
            assertEquals(4, parser.icmpCode());
            assertEquals(1480, NetworkBytes.u16(memory, 14 + 20 + 6), "next-hop MTU (RFC 1191)");
            assertTrue(parser.innerValid());
            assertEquals(40000, parser.innerSrcPort());
            assertEquals(80, parser.innerDstPort());
            assertArrayEquals(Arrays.copyOfRange(frame, 14, 14 + 32), Arrays.copyOfRange(out, 42, out.length));
            assertEquals(0, FrameBuilder.checksum(Arrays.copyOfRange(out, 14, 34)), "IPv4 header checksum");
            assertEquals(0, FrameBuilder.checksum(Arrays.copyOfRange(out, 34, out.length)), "ICMP checksum");
        }
    }

    @Test
    void ipv6PacketTooBigQuotesAsMuchAsFitsIn1280Bytes()
    {
        final byte[] frame = bigV6();
        for (final int headroom : new int[]{256, 0, 47})
        {
            final byte[] out = reply(frame, headroom, 1400);
            final MemorySegment memory = MemorySegment.ofArray(out);
            assertEquals(18 + 1280, out.length, "RFC 4443 section 2.4 (c): the reply fills the minimum MTU");
            assertEquals(ParseResult.IP, parser.parse(memory, 0, out.length));
            assertEquals(42, parser.vlanTci());
            assertEquals(address("2001:db8:5::1"), IpAddresses.toInetAddress(parser.srcHi(), parser.srcLo()));
            assertEquals(address("2001:db8:c::10"), IpAddresses.toInetAddress(parser.dstHi(), parser.dstLo()));
            assertEquals(2, parser.icmpType());
            assertEquals(0, parser.icmpCode());
            assertEquals(1400, NetworkBytes.u32(memory, 18 + 40 + 4));
            assertEquals(40001, parser.innerSrcPort());
            assertArrayEquals(Arrays.copyOfRange(frame, 18, 18 + 1232), Arrays.copyOfRange(out, 18 + 48, out.length));
            final byte[] icmp = Arrays.copyOfRange(out, 18 + 40, out.length);
            final byte[] pseudo = FrameBuilder.pseudoHeader(Arrays.copyOfRange(out, 18 + 8, 18 + 24),
                Arrays.copyOfRange(out, 18 + 24, 18 + 40), 58, icmp.length);
            assertEquals(0, FrameBuilder.checksum(pseudo, icmp), "ICMPv6 checksum");
        }
    }

    @Test
    void shortIpv6PacketIsQuotedWholeWithoutItsEthernetPadding()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8:c::10", "2001:db8:5::1").udp(1, 2).padTo(100).build();
        final byte[] out = reply(frame, 128, 1280);
        assertEquals(14 + 48 + 48, out.length);
    }

    @Test
    void frameSentToAGroupAddressIsAnsweredFromOurOwnAddress()
    {
        final byte[] frame = FrameBuilder.ipv4("192.0.2.10", "198.51.100.1").macs(FrameBuilder.CLIENT_MAC, 0xffff_ffff_ffffL)
            .udp(1, 2).payload(1000).build();
        final MemorySegment out = MemorySegment.ofArray(reply(frame, 128, 576));
        assertEquals(FrameBuilder.CLIENT_MAC, NetworkBytes.u48(out, 0));
        assertEquals(OUR_MAC, NetworkBytes.u48(out, 6));
    }

    @Test
    void replyThatDoesNotFitTheSlotIsRefused()
    {
        final byte[] frame = bigV6();
        final MemorySegment memory = MemorySegment.ofArray(new byte[3 * SLOT_SIZE]);
        MemorySegment.copy(frame, 0, memory, ValueLayout.JAVA_BYTE, SLOT_START, frame.length);
        assertEquals(ParseResult.IP, parser.parse(memory, SLOT_START, frame.length));
        assertEquals(-1, replies.packetTooBig(memory, SLOT_START, 18 + 1280 - 1, parser, 1400, OUR_MAC));
    }

    @Test
    void tsharkDecodesTheRepliesWithGoodChecksums(@TempDir final Path directory) throws Exception
    {
        final Path pcap = directory.resolve("too-big.pcap");
        try (PcapWriter writer = new PcapWriter(pcap))
        {
            writer.write(reply(bigV4(), 0, 1480), 0);
            writer.write(reply(bigV6(), 256, 1400), 0);
        }
        final List<String[]> rows = Tshark.fields(pcap, EncapsulationSettings.DEFAULT_GUE_PORT,
            "ip.src", "ip.dst", "ip.checksum.status", "icmp.type", "icmp.code", "icmp.mtu", "icmp.checksum.status",
            "ipv6.src", "ipv6.dst", "icmpv6.type", "icmpv6.mtu", "icmpv6.checksum.status", "tcp.srcport");
        assertEquals(2, rows.size());
        final String[] v4 = rows.get(0);
        final String where4 = String.join(" | ", v4);
        assertEquals("198.51.100.1,192.0.2.10", v4[0], where4);
        assertEquals("192.0.2.10,198.51.100.1", v4[1], where4);
        assertEquals(Tshark.GOOD, v4[2].split(",")[0], where4);
        assertEquals("3", v4[3], where4);
        assertEquals("4", v4[4], where4);
        assertEquals("1480", v4[5], where4);
        assertEquals(Tshark.GOOD, v4[6], where4);
        assertEquals("40000", v4[12], where4);

        final String[] v6 = rows.get(1);
        final String where6 = String.join(" | ", v6);
        assertEquals(address("2001:db8:5::1"), address(v6[7].split(",")[0]), where6);
        assertEquals(address("2001:db8:c::10"), address(v6[8].split(",")[0]), where6);
        assertEquals("2", v6[9], where6);
        assertEquals("1400", v6[10], where6);
        assertEquals(Tshark.GOOD, v6[11], where6);
    }

    private static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
