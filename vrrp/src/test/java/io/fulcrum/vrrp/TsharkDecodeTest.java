package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.dataplane.packet.Checksums;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.NetworkBytes;
import io.fulcrum.dataplane.port.pcap.PcapWriter;

/** tshark, a decoder nobody here wrote, reads the adverts and announcements Fulcrum builds and finds them correct. */
class TsharkDecodeTest
{
    private static final long MAC = 0x02_00_00_00_00_0aL;

    @TempDir
    Path directory;

    private static int ipv4Frame(final MemorySegment frame, final int source, final long[] vips)
    {
        NetworkBytes.setU48(frame, 0, 0x0100_5e00_0012L);
        NetworkBytes.setU48(frame, 6, MAC);
        NetworkBytes.setU16(frame, 12, 0x0800);
        final int length = AdvertCodec.build(frame, 34, 4, 51, 150, 100, new long[vips.length], vips, vips.length,
            0, IpAddresses.v4Lo(source), 0, AdvertCodec.GROUP_V4_LO);
        NetworkBytes.setU8(frame, 14, 0x45);
        NetworkBytes.setU16(frame, 16, 20 + length);
        NetworkBytes.setU8(frame, 22, 255);
        NetworkBytes.setU8(frame, 23, AdvertCodec.PROTOCOL);
        NetworkBytes.setU32(frame, 26, source);
        NetworkBytes.setU32(frame, 30, 0xE0000012);
        NetworkBytes.setU16(frame, 24, Checksums.fold(Checksums.sum(frame, 14, 20)));
        return 34 + length;
    }

    private static int ipv6Frame(final MemorySegment frame, final InetAddress source, final InetAddress... vips)
    {
        NetworkBytes.setU48(frame, 0, 0x3333_0000_0012L);
        NetworkBytes.setU48(frame, 6, MAC);
        NetworkBytes.setU16(frame, 12, 0x86dd);
        final long[] hi = new long[vips.length];
        final long[] lo = new long[vips.length];
        for (int i = 0; i < vips.length; i++)
        {
            hi[i] = IpAddresses.hi(vips[i]);
            lo[i] = IpAddresses.lo(vips[i]);
        }
        final int length = AdvertCodec.build(frame, 54, 6, 52, 150, 100, hi, lo, vips.length,
            IpAddresses.hi(source), IpAddresses.lo(source), AdvertCodec.GROUP_V6_HI, AdvertCodec.GROUP_V6_LO);
        NetworkBytes.setU32(frame, 14, 0x6000_0000);
        NetworkBytes.setU16(frame, 18, length);
        NetworkBytes.setU8(frame, 20, AdvertCodec.PROTOCOL);
        NetworkBytes.setU8(frame, 21, 255);
        NetworkBytes.setU64(frame, 22, IpAddresses.hi(source));
        NetworkBytes.setU64(frame, 30, IpAddresses.lo(source));
        NetworkBytes.setU64(frame, 38, AdvertCodec.GROUP_V6_HI);
        NetworkBytes.setU64(frame, 46, AdvertCodec.GROUP_V6_LO);
        return 54 + length;
    }

    private static String tshark(final Path pcap) throws Exception
    {
        final Process process = new ProcessBuilder("tshark", "-n", "-V", "-o", "vrrp.v3_checksum_as_in_v2:FALSE",
            "-r", pcap.toString()).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        return output;
    }

    @Test
    void tsharkDecodesOurAdvertsAndAnnouncementsWithCorrectChecksums() throws Exception
    {
        SystemRequirements.requireCommand("tshark");
        final Path pcap = directory.resolve("vrrp.pcap");
        final MemorySegment frame = MemorySegment.ofArray(new byte[2048]);
        final InetAddress linkLocal = InetAddress.getByName("fe80::1");
        try (PcapWriter writer = new PcapWriter(pcap))
        {
            writer.write(frame, 0, ipv4Frame(frame, 0x0a000001,
                new long[]{IpAddresses.v4Lo(0x0a0000fe), IpAddresses.v4Lo(0x0a0000fd)}), 1_000);
            writer.write(frame, 0, ipv6Frame(frame, linkLocal, InetAddress.getByName("fe80::100"),
                InetAddress.getByName("2001:db8::100")), 2_000);
            writer.write(frame, 0, Announcements.gratuitousArp(frame, MAC, 0x0a0000fe), 3_000);
            final InetAddress target = InetAddress.getByName("2001:db8::100");
            writer.write(frame, 0, Announcements.unsolicitedNeighborAdvertisement(frame, MAC,
                IpAddresses.hi(linkLocal), IpAddresses.lo(linkLocal), IpAddresses.hi(target),
                IpAddresses.lo(target)), 4_000);
        }
        final String decoded = tshark(pcap);
        assertTrue(decoded.contains("eth:ethertype:ip:vrrp") && decoded.contains("eth:ethertype:ipv6:vrrp"),
            "decoded as VRRP: " + decoded);
        assertTrue(decoded.contains("VRRP protocol version: 3"));
        assertTrue(decoded.contains("VRRP packet type: Advertisement (1)"));
        assertTrue(decoded.contains("Virtual Rtr ID: 51"));
        assertTrue(decoded.contains("Virtual Rtr ID: 52"));
        assertTrue(decoded.contains("Adver Int: 100"));
        assertTrue(decoded.contains("IP Address: 10.0.0.254"));
        assertTrue(decoded.contains("IPv6 Address: fe80::100"));
        assertTrue(decoded.contains("Is gratuitous: True"), "gratuitous ARP");
        assertTrue(decoded.contains("Neighbor Advertisement"));
        assertTrue(decoded.contains("Override: Set"));
        assertTrue(decoded.split("\\[Checksum Status: Good]", -1).length - 1 == 3,
            "both adverts and the neighbour advertisement have good checksums: " + decoded);
        assertTrue(!decoded.contains("[Checksum Status: Bad]") && !decoded.contains("incorrect"),
            "no checksum tshark finds wrong");
    }
}
