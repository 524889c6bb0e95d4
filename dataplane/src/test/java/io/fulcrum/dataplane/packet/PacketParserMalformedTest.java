package io.fulcrum.dataplane.packet;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketParserMalformedTest
{
    private final PacketParser parser = new PacketParser();

    private int parse(final byte[] frame)
    {
        return parser.parse(MemorySegment.ofArray(frame), 0, frame.length);
    }

    private int parse(final byte[] frame, final int length)
    {
        return parser.parse(MemorySegment.ofArray(frame), 0, length);
    }

    private static void set16(final byte[] frame, final int at, final int value)
    {
        frame[at] = (byte)(value >>> 8);
        frame[at + 1] = (byte)value;
    }

    /** Valid frames without Ethernet padding, so that every byte belongs to a header or the payload. */
    private static List<byte[]> unpaddedFrames()
    {
        return List.of(
            FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, Tcp.SYN).tcpOptions(12).payload(3).padTo(0).build(),
            FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").options(new byte[]{1, 1, 1, 0}).udp(1, 2).padTo(0).build(),
            FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").vlan(7).icmp(8, 0, 0).payload(5).padTo(0).build(),
            FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2, Tcp.ACK).padTo(0).build(),
            FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").vlan(9)
                .extension(Ipv6.HOP_BY_HOP, 0).extension(Ipv6.DESTINATION_OPTIONS, 1)
                .extension(Ipv6.ROUTING, 2).extension(Ipv6.DESTINATION_OPTIONS, 0)
                .tcp(1, 2, Tcp.ACK).tcpOptions(8).payload(2).padTo(0).build(),
            FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").extension(Ipv6.HOP_BY_HOP, 0).udp(1, 2).padTo(0).build(),
            FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").icmp(128, 0, 0).padTo(0).build());
    }

    @Test
    void everyFrameCutShortAtEveryByteIsMalformedByWhereItWasCut()
    {
        for (final byte[] frame : unpaddedFrames())
        {
            assertEquals(ParseResult.IP, parse(frame));
            final int l3 = parser.l3Offset();
            final int version = parser.ipVersion();
            final int ihl = version == 4 ? parser.ipHeaderLength() : 40;
            for (int length = 0; length < frame.length; length++)
            {
                final int expected;
                if (length < l3)
                {
                    expected = ParseResult.TRUNCATED_ETHERNET;
                }
                else if (length < l3 + (version == 4 ? 20 : 40))
                {
                    expected = ParseResult.TRUNCATED_IP;
                }
                else if (length < l3 + ihl)
                {
                    expected = ParseResult.BAD_IHL;
                }
                else
                {
                    expected = ParseResult.BAD_TOTAL_LENGTH; // the length field promises more than is there
                }
                assertEquals(ParseResult.name(expected), ParseResult.name(parse(frame, length)),
                    "frame of " + frame.length + " cut to " + length);
            }
        }
    }

    @Test
    void everyIpPacketWhoseLengthFieldEndsInsideAHeaderIsMalformedByThatHeader()
    {
        for (final byte[] original : unpaddedFrames())
        {
            assertEquals(ParseResult.IP, parse(original));
            final int l3 = parser.l3Offset();
            final int version = parser.ipVersion();
            final int ipHeaderLength = parser.ipHeaderLength();
            final int l4HeaderLength = switch (parser.protocol())
            {
                case Ipv4.PROTOCOL_TCP -> 20 + (original[parser.l4Offset() + 12] >>> 4 & 0xf) * 4 - 20;
                default -> 8;
            };
            final int fixed = version == 4 ? ipHeaderLength : 40;
            for (int ipLength = fixed; ipLength < original.length - l3; ipLength++)
            {
                final byte[] frame = Arrays.copyOf(original, l3 + ipLength);
                if (version == 4)
                {
                    set16(frame, l3 + 2, ipLength);
                }
                else
                {
                    set16(frame, l3 + 4, ipLength - 40);
                }
                final int expected;
                if (ipLength < ipHeaderLength)
                {
                    expected = ParseResult.BAD_EXTENSION_CHAIN;
                }
                else if (ipLength < ipHeaderLength + l4HeaderLength)
                {
                    expected = ParseResult.TRUNCATED_L4;
                }
                else
                {
                    expected = ParseResult.IP;
                }
                assertEquals(ParseResult.name(expected), ParseResult.name(parse(frame)),
                    "IPv" + version + " packet cut to " + ipLength);
            }
        }
    }

    @Test
    void ipv4TotalLengthBelowTheHeaderIsBadTotalLength()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").options(new byte[]{1, 1, 1, 1}).udp(1, 2).build();
        for (int total = 0; total < 24; total++)
        {
            set16(frame, 16, total);
            assertEquals(ParseResult.BAD_TOTAL_LENGTH, parse(frame), "total length " + total);
        }
    }

    @Test
    void lengthFieldsBeyondTheFrameAreBadTotalLength()
    {
        final byte[] v4 = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(100).build();
        set16(v4, 16, v4.length - 14 + 1);
        assertEquals(ParseResult.BAD_TOTAL_LENGTH, parse(v4));
        set16(v4, 16, 0xffff);
        assertEquals(ParseResult.BAD_TOTAL_LENGTH, parse(v4));

        final byte[] v6 = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).payload(100).build();
        set16(v6, 18, v6.length - 54 + 1);
        assertEquals(ParseResult.BAD_TOTAL_LENGTH, parse(v6));
    }

    @Test
    void ihlBelowFiveOrBeyondThePacketIsBadIhl()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").build(); // 20-byte packet in a 60-byte frame
        for (int ihl = 0; ihl < 5; ihl++)
        {
            frame[14] = (byte)(0x40 | ihl);
            assertEquals(ParseResult.BAD_IHL, parse(frame), "IHL " + ihl);
        }
        frame[14] = 0x4f; // 60 bytes of header, 46 bytes after the Ethernet header
        assertEquals(ParseResult.BAD_IHL, parse(frame));
    }

    @Test
    void versionNibbleThatContradictsTheEtherTypeIsBadIpVersion()
    {
        final byte[] v4 = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
        final byte[] v6 = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).build();
        for (int version = 0; version < 16; version++)
        {
            v4[14] = (byte)(version << 4 | 5);
            v6[14] = (byte)(version << 4);
            assertEquals(version == 4 ? ParseResult.IP : ParseResult.BAD_IP_VERSION, parse(v4), "version " + version);
            assertEquals(version == 6 ? ParseResult.IP : ParseResult.BAD_IP_VERSION, parse(v6), "version " + version);
        }
    }

    @Test
    void hopByHopAnywhereButFirstIsABadExtensionChain()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .extension(Ipv6.DESTINATION_OPTIONS, 0).extension(Ipv6.HOP_BY_HOP, 0).udp(1, 2).build();
        assertEquals(ParseResult.BAD_EXTENSION_CHAIN, parse(frame));
    }

    @Test
    void repeatedExtensionHeadersAreABadExtensionChain()
    {
        assertEquals(ParseResult.BAD_EXTENSION_CHAIN, parse(FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .extension(Ipv6.HOP_BY_HOP, 0).extension(Ipv6.HOP_BY_HOP, 0).udp(1, 2).build()));
        assertEquals(ParseResult.BAD_EXTENSION_CHAIN, parse(FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .extension(Ipv6.ROUTING, 0).extension(Ipv6.ROUTING, 0).udp(1, 2).build()));
        assertEquals(ParseResult.BAD_EXTENSION_CHAIN, parse(FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .fragment(0, true, 1).fragment(0, true, 1).udp(1, 2).payload(16).build()));
        // Destination options may appear twice (before routing and before the upper layer), not three times.
        assertEquals(ParseResult.IP, parse(FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .extension(Ipv6.DESTINATION_OPTIONS, 0).extension(Ipv6.ROUTING, 0).extension(Ipv6.DESTINATION_OPTIONS, 0)
            .udp(1, 2).build()));
        assertEquals(ParseResult.BAD_EXTENSION_CHAIN, parse(FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .extension(Ipv6.DESTINATION_OPTIONS, 0).extension(Ipv6.DESTINATION_OPTIONS, 0)
            .extension(Ipv6.DESTINATION_OPTIONS, 0).udp(1, 2).build()));
    }

    @Test
    void aChainThatLoopsUntilThePacketEndsIsABadExtensionChain()
    {
        // Every destination-options header names another one as next: the walk must end, and not in IP.
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").payload(8 * 200).build();
        frame[14 + 6] = (byte)Ipv6.DESTINATION_OPTIONS;
        for (int at = 54; at < frame.length; at += 8)
        {
            frame[at] = (byte)Ipv6.DESTINATION_OPTIONS;
            frame[at + 1] = 0;
        }
        assertEquals(ParseResult.BAD_EXTENSION_CHAIN, parse(frame));
    }

    @Test
    void theLongestChainWithoutRepeatsIsStillAPacket()
    {
        final FrameBuilder.Builder builder = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2")
            .extension(Ipv6.HOP_BY_HOP, 0)
            .extension(Ipv6.DESTINATION_OPTIONS, 0)
            .extension(Ipv6.ROUTING, 0)
            .fragment(0, false, 1)
            .extension(Ipv6.DESTINATION_OPTIONS, 0);
        // Five headers: more than eight can only be built from repeats, which the loop test above rejects.
        assertEquals(ParseResult.IP, parse(builder.udp(1, 2).build()));
    }

    @Test
    void extensionHeaderLongerThanThePacketIsABadExtensionChain()
    {
        final byte[] frame = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").extension(Ipv6.ROUTING, 0).udp(1, 2).build();
        frame[54 + 1] = 3; // 32 bytes claimed, 16 present
        assertEquals(ParseResult.BAD_EXTENSION_CHAIN, parse(frame));
    }

    @Test
    void tcpDataOffsetBelowFiveOrBeyondThePacketIsTruncatedL4()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, Tcp.ACK).payload(8).build();
        for (int offset = 0; offset < 16; offset++)
        {
            frame[34 + 12] = (byte)(offset << 4);
            final int expected = offset >= 5 && offset <= 7 ? ParseResult.IP : ParseResult.TRUNCATED_L4;
            assertEquals(ParseResult.name(expected), ParseResult.name(parse(frame)), "data offset " + offset);
        }
    }

    @Test
    void fragmentReachingPast65535IsBadFragment()
    {
        final byte[] v4 = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").raw(17).payload(16).fragment(65528, false, 1).build();
        assertEquals(ParseResult.BAD_FRAGMENT, parse(v4));
        final byte[] v6 = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").fragment(65528, false, 1).raw(17).payload(16)
            .build();
        assertEquals(ParseResult.BAD_FRAGMENT, parse(v6));
        final byte[] lastFits = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").raw(17).payload(7).fragment(65528, false, 1)
            .build();
        assertEquals(ParseResult.IP, parse(lastFits));
    }

    @Test
    void nonLastFragmentThatIsNotAMultipleOfEightIsBadFragment()
    {
        assertEquals(ParseResult.BAD_FRAGMENT, parse(FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(7)
            .fragment(0, true, 1).build()));
        assertEquals(ParseResult.BAD_FRAGMENT, parse(FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").fragment(8, true, 1)
            .raw(17).payload(9).build()));
        assertEquals(ParseResult.BAD_FRAGMENT, parse(FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").raw(17)
            .fragment(8, true, 1).build()));
    }

    @Test
    void tinyFirstFragmentWithoutAWholeTcpHeaderIsTruncatedL4()
    {
        // RFC 1858: a first fragment too short to hold the TCP header is how filters get evaded.
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").raw(Ipv4.PROTOCOL_TCP).payload(8)
            .fragment(0, true, 1).build();
        assertEquals(ParseResult.TRUNCATED_L4, parse(frame));
    }

    @Test
    void vlanTagWithoutItsEtherTypeIsTruncatedEthernet()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").vlan(1).build();
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parse(frame, 17));
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parse(frame, 14 - 1));
    }

    @Test
    void frameOutsideTheMemoryIsTruncatedEthernetRatherThanAnException()
    {
        final byte[] frame = FrameBuilder.ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
        final MemorySegment memory = MemorySegment.ofArray(frame);
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parser.parse(memory, 0, frame.length + 1));
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parser.parse(memory, -1, frame.length));
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parser.parse(memory, 1, frame.length));
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parser.parse(memory, 0, -5));
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parser.parse(memory, Long.MAX_VALUE, Integer.MAX_VALUE));
    }

    @Test
    void quotedPacketCutAtEveryByteIsNeverMalformed()
    {
        final byte[] quoted = FrameBuilder.ipv4("198.51.100.7", "192.0.2.1").options(new byte[]{1, 1, 1, 1})
            .tcp(80, 40000, Tcp.ACK).buildIp();
        for (int length = 0; length <= quoted.length; length++)
        {
            final byte[] frame = FrameBuilder.ipv4("203.0.113.9", "198.51.100.7").icmp(3, 4, 1400)
                .payload(Arrays.copyOf(quoted, length)).build();
            assertEquals(ParseResult.IP, parse(frame), "quote of " + length);
            assertEquals(length >= 24, parser.innerValid(), "quote of " + length);
            assertEquals(length >= 28 ? 80 : 0, parser.innerSrcPort(), "quote of " + length);
        }
        final byte[] v6Quote = FrameBuilder.ipv6("2001:db8::80", "2001:db8::1").extension(Ipv6.ROUTING, 0).udp(53, 9)
            .buildIp();
        for (int length = 0; length <= v6Quote.length; length++)
        {
            final byte[] frame = FrameBuilder.ipv6("2001:db8::9", "2001:db8::80").icmp(1, 0, 0)
                .payload(Arrays.copyOf(v6Quote, length)).build();
            assertEquals(ParseResult.IP, parse(frame), "quote of " + length);
            assertEquals(length >= 48, parser.innerValid(), "quote of " + length);
            assertEquals(length >= 52 ? 9 : 0, parser.innerDstPort(), "quote of " + length);
        }
    }

    @Test
    void quotedPacketOfTheOtherFamilyIsNotValid()
    {
        final byte[] quoted = FrameBuilder.ipv6("2001:db8::80", "2001:db8::1").udp(53, 9).buildIp();
        parse(FrameBuilder.ipv4("203.0.113.9", "198.51.100.7").icmp(3, 4, 1400).payload(quoted).build());
        assertFalse(parser.innerValid());
    }
}
