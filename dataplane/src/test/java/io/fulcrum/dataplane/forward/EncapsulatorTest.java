package io.fulcrum.dataplane.forward;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.packet.IpAddresses;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncapsulatorTest
{
    private static final int SLOT_SIZE = 4096;
    private static final long SLOT_START = SLOT_SIZE; // the second slot of the memory
    private static final int HEADROOM = 256;
    private static final long BACKEND_MAC = 0x02_00_00_00_00_0bL;
    private static final long OUR_MAC = FrameBuilder.BALANCER_MAC;
    private static final int FLOW_HASH = 0x9e37_79b9;

    private final Encapsulator encapsulator = new Encapsulator(EncapsulationSettings.defaults());
    private final PacketParser parser = new PacketParser();

    /** One client packet, how it is encapsulated, and to which backend. */
    record Case(String name, byte[] frame, Encapsulation encapsulation, String backend)
    {
    }

    static List<Case> cases()
    {
        final byte[] v4Tcp = FrameBuilder.ipv4("192.0.2.10", "198.51.100.1").tcp(40000, 80, Tcp.SYN).payload(33).build();
        final byte[] v4Udp = FrameBuilder.ipv4("192.0.2.11", "198.51.100.1").udp(5353, 53).trafficClass(0xb9).build();
        final byte[] v6Tcp = FrameBuilder.ipv6("2001:db8:c::10", "2001:db8:5::1").tcp(40001, 443, Tcp.ACK).payload(500)
            .build();
        final byte[] v6Udp = FrameBuilder.ipv6("2001:db8:c::11", "2001:db8:5::1").vlan(100).udp(5000, 4789)
            .extension(60, 0).payload(17).build();
        final byte[] v4Vlan = FrameBuilder.ipv4("192.0.2.12", "198.51.100.1").vlan(0x3005).tcp(40002, 80, Tcp.ACK)
            .dontFragment(false).build();
        return List.of(
            new Case("IPv4 in IPv4", v4Tcp, Encapsulation.IPIP, "10.0.1.5"),
            new Case("IPv4 in IPv4, padded inner, VLAN, no DF", v4Vlan, Encapsulation.IPIP, "10.0.1.6"),
            new Case("IPv6 in IPv6", v6Tcp, Encapsulation.IPIP, "2001:db8:be::5"),
            new Case("IPv6 in IPv4", v6Tcp, Encapsulation.IPIP, "10.0.1.7"),
            new Case("IPv4 in IPv6", v4Udp, Encapsulation.IPIP, "2001:db8:be::6"),
            new Case("GUE IPv4 in IPv4", v4Udp, Encapsulation.GUE, "10.0.1.8"),
            new Case("GUE IPv6 in IPv6, VLAN", v6Udp, Encapsulation.GUE, "2001:db8:be::7"),
            new Case("GUE IPv6 in IPv4", v6Tcp, Encapsulation.GUE, "10.0.1.9"),
            new Case("GUE IPv4 in IPv6", v4Tcp, Encapsulation.GUE, "2001:db8:be::8"));
    }

    /** The encapsulated frame, as bytes. */
    private byte[] encapsulate(final Case c, final int flowHash)
    {
        final MemorySegment memory = MemorySegment.ofArray(new byte[3 * SLOT_SIZE]);
        final long frame = SLOT_START + HEADROOM;
        MemorySegment.copy(c.frame(), 0, memory, ValueLayout.JAVA_BYTE, frame, c.frame().length);
        assertEquals(ParseResult.IP, parser.parse(memory, frame, c.frame().length));
        final InetAddress backend = address(c.backend());
        final long result = encapsulator.encapsulate(memory, SLOT_START, parser, c.encapsulation(),
            IpAddresses.hi(backend), IpAddresses.lo(backend), BACKEND_MAC, OUR_MAC, flowHash);
        assertTrue(result >= SLOT_START, c.name());
        return memory.asSlice(result, encapsulator.lastLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void everyCombinationReparsesToTheBackendWithTheClientPacketUnchangedInside()
    {
        for (final Case c : cases())
        {
            final PacketParser original = new PacketParser();
            assertEquals(ParseResult.IP, original.parse(MemorySegment.ofArray(c.frame()), 0, c.frame().length));
            final byte[] innerPacket = Arrays.copyOfRange(c.frame(), original.l3Offset(),
                original.l3Offset() + original.ipPacketLength());

            final byte[] out = encapsulate(c, FLOW_HASH);
            final MemorySegment memory = MemorySegment.ofArray(out);
            assertEquals(ParseResult.IP, parser.parse(memory, 0, out.length), c.name());
            final InetAddress backend = address(c.backend());
            final boolean outerV6 = !IpAddresses.isV4(IpAddresses.hi(backend), IpAddresses.lo(backend));
            final boolean gue = c.encapsulation() == Encapsulation.GUE;

            assertEquals(BACKEND_MAC, memory.get(io.fulcrum.dataplane.packet.NetworkBytes.U64, 0) >>> 16, c.name());
            assertEquals(original.vlanTci(), parser.vlanTci(), c.name());
            assertEquals(outerV6 ? 6 : 4, parser.ipVersion(), c.name());
            assertEquals(IpAddresses.hi(backend), parser.dstHi(), c.name());
            assertEquals(IpAddresses.lo(backend), parser.dstLo(), c.name());
            assertEquals(64, parser.ttl());
            assertEquals(original.trafficClass(), parser.trafficClass(), c.name() + ": DSCP/ECN copied");
            assertTrue(inSourcePrefix(parser.srcHi(), parser.srcLo()), c.name());
            final int expectedProtocol = gue ? 17 : original.ipVersion() == 4 ? 4 : 41;
            assertEquals(expectedProtocol, parser.protocol(), c.name());
            if (gue)
            {
                assertEquals(EncapsulationSettings.DEFAULT_GUE_PORT, parser.dstPort());
                assertTrue(parser.srcPort() >= 32768, c.name());
            }
            else
            {
                assertEquals(0, parser.srcPort());
            }
            final int innerAt = parser.l3Offset() + Encapsulator.overhead(c.encapsulation(), outerV6);
            assertEquals(innerAt + innerPacket.length, out.length, c.name() + ": Ethernet padding dropped");
            assertArrayEquals(innerPacket, Arrays.copyOfRange(out, innerAt, out.length), c.name());
            assertChecksumsIndependently(c, out, parser, outerV6, gue);
        }
    }

    /** Outer IPv4 header and UDP checksums, verified with the test's own byte-array arithmetic. */
    private static void assertChecksumsIndependently(
        final Case c, final byte[] out, final PacketParser outer, final boolean outerV6, final boolean gue)
    {
        final int l3 = outer.l3Offset();
        if (!outerV6)
        {
            assertEquals(0, FrameBuilder.checksum(Arrays.copyOfRange(out, l3, l3 + 20)), c.name() + ": IPv4 checksum");
        }
        if (gue)
        {
            final int udp = l3 + (outerV6 ? 40 : 20);
            final byte[] segment = Arrays.copyOfRange(out, udp, out.length);
            final byte[] source = Arrays.copyOfRange(out, outerV6 ? l3 + 8 : l3 + 12, outerV6 ? l3 + 24 : l3 + 16);
            final byte[] destination = Arrays.copyOfRange(out, outerV6 ? l3 + 24 : l3 + 16, outerV6 ? l3 + 40 : l3 + 20);
            assertEquals(0, FrameBuilder.checksum(FrameBuilder.pseudoHeader(source, destination, 17, segment.length), segment),
                c.name() + ": UDP checksum");
        }
    }

    @Test
    void tsharkDecodesOuterAndInnerHeadersWithGoodChecksums(@TempDir final Path directory) throws Exception
    {
        final Path pcap = directory.resolve("encapsulated.pcap");
        final List<Case> cases = cases();
        final List<byte[]> frames = new ArrayList<>();
        try (PcapWriter writer = new PcapWriter(pcap))
        {
            for (final Case c : cases)
            {
                final byte[] out = encapsulate(c, FLOW_HASH);
                frames.add(out);
                writer.write(out, 1_700_000_000_000_000_000L);
            }
        }
        final List<String[]> rows = Tshark.fields(pcap, EncapsulationSettings.DEFAULT_GUE_PORT,
            "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.checksum.status", "udp.checksum.status",
            "tcp.checksum.status", "udp.dstport", "tcp.srcport", "tcp.dstport", "vlan.id", "frame.protocols");
        assertEquals(cases.size(), rows.size());
        for (int i = 0; i < cases.size(); i++)
        {
            final Case c = cases.get(i);
            final String[] row = rows.get(i);
            final String where = c.name() + ": " + String.join(" | ", row);
            assertEquals(ParseResult.IP, parser.parse(MemorySegment.ofArray(frames.get(i)), 0, frames.get(i).length));
            final String outerSource = IpAddresses.format(parser.srcHi(), parser.srcLo());
            final PacketParser inner = new PacketParser();
            inner.parse(MemorySegment.ofArray(c.frame()), 0, c.frame().length);
            final String innerSource = IpAddresses.format(inner.srcHi(), inner.srcLo());
            final String innerDestination = IpAddresses.format(inner.dstHi(), inner.dstLo());
            final boolean outerV6 = c.backend().contains(":");
            final boolean innerV6 = inner.ipVersion() == 6;

            final List<String> v4Sources = new ArrayList<>();
            final List<String> v4Destinations = new ArrayList<>();
            final List<String> v6Sources = new ArrayList<>();
            final List<String> v6Destinations = new ArrayList<>();
            (outerV6 ? v6Sources : v4Sources).add(outerSource);
            (outerV6 ? v6Destinations : v4Destinations).add(c.backend());
            (innerV6 ? v6Sources : v4Sources).add(innerSource);
            (innerV6 ? v6Destinations : v4Destinations).add(innerDestination);
            assertSameAddresses(v4Sources, row[0], where);
            assertSameAddresses(v4Destinations, row[1], where);
            assertSameAddresses(v6Sources, row[2], where);
            assertSameAddresses(v6Destinations, row[3], where);

            final int v4Headers = v4Sources.size();
            assertEquals(v4Headers == 0 ? "" : String.join(",", java.util.Collections.nCopies(v4Headers, Tshark.GOOD)),
                row[4], where + ": IPv4 header checksums");
            for (final String status : (row[5] + "," + row[6]).split(","))
            {
                if (!status.isEmpty())
                {
                    assertEquals(Tshark.GOOD, status, where + ": UDP/TCP checksums");
                }
            }
            if (c.encapsulation() == Encapsulation.GUE)
            {
                assertTrue(row[7].startsWith(Integer.toString(EncapsulationSettings.DEFAULT_GUE_PORT)), where);
                assertTrue(row[11].contains(":udp:ip"), where + ": GUE payload decoded as IP");
            }
            if (inner.protocol() == 6)
            {
                assertEquals(Integer.toString(inner.srcPort()), row[8], where);
                assertEquals(Integer.toString(inner.dstPort()), row[9], where);
            }
            assertEquals(inner.vlanTci() < 0 ? "" : Integer.toString(inner.vlanTci() & 0xfff), row[10], where);
        }
    }

    @Test
    void oneFlowAlwaysGetsTheSameOuterSourceAndDifferentFlowsSpread()
    {
        final Case v4 = cases().get(5);
        final Case v6 = cases().get(6);
        for (final Case c : List.of(v4, v6))
        {
            final byte[] first = encapsulate(c, FLOW_HASH);
            final String source = outerSourceAndPort(first);
            assertEquals(source, outerSourceAndPort(encapsulate(c, FLOW_HASH)), c.name());
            final java.util.Set<String> sources = new java.util.HashSet<>();
            for (int hash = 0; hash < 64; hash++)
            {
                sources.add(outerSourceAndPort(encapsulate(c, hash * 0x9e37_79b9)));
            }
            assertTrue(sources.size() > 60, c.name() + ": " + sources.size() + " distinct outer sources of 64 flows");
        }
    }

    private String outerSourceAndPort(final byte[] frame)
    {
        assertEquals(ParseResult.IP, parser.parse(MemorySegment.ofArray(frame), 0, frame.length));
        return IpAddresses.format(parser.srcHi(), parser.srcLo()) + " " + parser.srcPort();
    }

    @Test
    void outerIpv4FollowsTheInnerDontFragmentBit()
    {
        final Case df = cases().get(0);
        final Case noDf = cases().get(1);
        final byte[] withDf = encapsulate(df, FLOW_HASH);
        assertEquals(0x4000, (withDf[14 + 6] & 0xff) << 8 | (withDf[14 + 7] & 0xff));
        assertEquals(0, (withDf[14 + 4] & 0xff) << 8 | (withDf[14 + 5] & 0xff), "atomic datagram: id 0 (RFC 6864)");
        final byte[] first = encapsulate(noDf, FLOW_HASH);
        final byte[] second = encapsulate(noDf, FLOW_HASH);
        assertEquals(0, first[18 + 6] & 0x40, "DF clear like the inner packet");
        assertNotEquals((first[18 + 4] & 0xff) << 8 | (first[18 + 5] & 0xff),
            (second[18 + 4] & 0xff) << 8 | (second[18 + 5] & 0xff), "fragmentable datagrams get distinct ids");
    }

    @Test
    void tooLittleHeadroomReturnsMinusOneAndLeavesTheFrameUntouched()
    {
        for (final Case c : cases())
        {
            final InetAddress backend = address(c.backend());
            final boolean outerV6 = c.backend().contains(":");
            final int needed = Encapsulator.overhead(c.encapsulation(), outerV6);
            for (final int headroom : new int[]{0, 1, needed - 1, needed})
            {
                final byte[] bytes = new byte[2 * SLOT_SIZE];
                Arrays.fill(bytes, (byte)0xa5);
                final MemorySegment memory = MemorySegment.ofArray(bytes);
                final long frame = SLOT_START + headroom;
                MemorySegment.copy(c.frame(), 0, memory, ValueLayout.JAVA_BYTE, frame, c.frame().length);
                final byte[] before = bytes.clone();
                assertEquals(ParseResult.IP, parser.parse(memory, frame, c.frame().length));
                final long result = encapsulator.encapsulate(memory, SLOT_START, parser, c.encapsulation(),
                    IpAddresses.hi(backend), IpAddresses.lo(backend), BACKEND_MAC, OUR_MAC, FLOW_HASH);
                if (headroom < needed)
                {
                    assertEquals(-1, result, c.name() + " with headroom " + headroom);
                    assertArrayEquals(before, bytes, c.name() + " with headroom " + headroom);
                }
                else
                {
                    assertEquals(SLOT_START, result, c.name() + ": exactly enough headroom");
                }
            }
        }
    }

    @Test
    void overheadIsTheOuterHeaders()
    {
        assertEquals(20, Encapsulator.overhead(Encapsulation.IPIP, false));
        assertEquals(40, Encapsulator.overhead(Encapsulation.IPIP, true));
        assertEquals(28, Encapsulator.overhead(Encapsulation.GUE, false));
        assertEquals(48, Encapsulator.overhead(Encapsulation.GUE, true));
    }

    private static boolean inSourcePrefix(final long hi, final long lo)
    {
        if (IpAddresses.isV4(hi, lo))
        {
            return (IpAddresses.v4(lo) & 0xffff_0000) == EncapsulationSettings.DEFAULT_IPV4_PREFIX;
        }
        return hi == EncapsulationSettings.DEFAULT_IPV6_PREFIX_HI;
    }

    private static void assertSameAddresses(final List<String> expected, final String actual, final String where)
    {
        final List<InetAddress> want = new ArrayList<>();
        for (final String literal : expected)
        {
            want.add(address(literal));
        }
        final List<InetAddress> got = new ArrayList<>();
        for (final String literal : actual.split(","))
        {
            if (!literal.isEmpty())
            {
                got.add(address(literal));
            }
        }
        assertEquals(want, got, where);
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

    @Test
    void settingsRejectImpossiblePrefixes()
    {
        assertFalse(EncapsulationSettings.defaults().ipv4SourcePrefixLength() > 32);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> new EncapsulationSettings(0, 33, 0, 0, 64, 9886));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> new EncapsulationSettings(0, 16, 0, 0, 129, 9886));
    }
}
