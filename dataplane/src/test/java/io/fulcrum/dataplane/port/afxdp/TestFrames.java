package io.fulcrum.dataplane.port.afxdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import io.fulcrum.dataplane.sys.Libc;

/** Builds Ethernet/IP/UDP frames byte by byte and sends them raw with an AF_PACKET socket. */
final class TestFrames
{
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;

    private TestFrames()
    {
    }

    /** An Ethernet frame carrying UDP over IPv4 or IPv6 (by the addresses), optionally with an 802.1Q tag. */
    static byte[] udp(final long dstMac, final long srcMac, final int vlan, final InetAddress src,
        final InetAddress dst, final int srcPort, final int dstPort, final byte[] payload)
    {
        final boolean v4 = dst.getAddress().length == 4;
        final int ipHeader = v4 ? 20 : 40;
        final int udpLength = 8 + payload.length;
        final ByteBuffer frame = ByteBuffer.allocate(14 + (vlan >= 0 ? 4 : 0) + ipHeader + udpLength);
        putMac(frame, dstMac);
        putMac(frame, srcMac);
        if (vlan >= 0)
        {
            frame.putShort((short)0x8100).putShort((short)vlan);
        }
        final int ipStart;
        if (v4)
        {
            frame.putShort((short)0x0800);
            ipStart = frame.position();
            frame.put((byte)0x45).put((byte)0).putShort((short)(20 + udpLength)).putShort((short)0x1234)
                .putShort((short)0x4000).put((byte)64).put((byte)17).putShort((short)0)
                .put(src.getAddress()).put(dst.getAddress());
            frame.putShort(ipStart + 10, (short)checksum(frame.array(), ipStart, 20));
        }
        else
        {
            frame.putShort((short)0x86DD);
            ipStart = frame.position();
            frame.putInt(0x60000000).putShort((short)udpLength).put((byte)17).put((byte)64)
                .put(src.getAddress()).put(dst.getAddress());
        }
        final int udpStart = frame.position();
        frame.putShort((short)srcPort).putShort((short)dstPort).putShort((short)udpLength).putShort((short)0)
            .put(payload);
        if (!v4)
        {
            // RFC 8200 section 8.1: the UDP checksum over the pseudo-header is mandatory in IPv6
            final ByteBuffer pseudo = ByteBuffer.allocate(40 + udpLength);
            pseudo.put(src.getAddress()).put(dst.getAddress()).putInt(udpLength).putInt(17)
                .put(frame.array(), udpStart, udpLength);
            final int sum = checksum(pseudo.array(), 0, pseudo.capacity());
            frame.putShort(udpStart + 6, (short)(sum == 0 ? 0xFFFF : sum));
        }
        return frame.array();
    }

    static int checksum(final byte[] bytes, final int start, final int length)
    {
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            final int high = bytes[start + i] & 0xFF;
            final int low = i + 1 < length ? bytes[start + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    private static void putMac(final ByteBuffer buffer, final long mac)
    {
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            buffer.put((byte)(mac >>> shift));
        }
    }

    /** Sends frames as they are out of {@code ifName}, from the calling thread's network namespace. */
    static void sendRaw(final String ifName, final byte[]... frames)
    {
        final int ifIndex = Libc.ifNameToIndex(ifName);
        final int fd = Libc.socket(AF_PACKET, SOCK_RAW, 0); // protocol 0: send only, receive nothing
        try (Arena arena = Arena.ofConfined())
        {
            // struct sockaddr_ll — linux/if_packet.h: family, protocol (big-endian), ifindex, hatype, pkttype,
            // halen, addr[8]
            final MemorySegment to = arena.allocate(20, 4);
            to.set(ValueLayout.JAVA_SHORT, 0, (short)AF_PACKET);
            to.set(ValueLayout.JAVA_INT, 4, ifIndex);
            to.set(ValueLayout.JAVA_BYTE, 11, (byte)6);
            final MemorySegment capture = Libc.errnoSegment(arena);
            for (final byte[] frame : frames)
            {
                final MemorySegment buffer = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
                final long sent = Libc.sendto(capture, fd, buffer, frame.length, 0, to, 20);
                if (sent != frame.length)
                {
                    throw new IllegalStateException("AF_PACKET sendto returned " + sent);
                }
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }

    static long mac(final String text)
    {
        return Long.parseLong(text.strip().replace(":", ""), 16);
    }
}
