package io.fulcrum.dataplane.port.afpacket;

import java.nio.ByteBuffer;

/** Hand-built Ethernet/IPv4/UDP frames that carry a sequence number, from a source MAC nothing else on the link uses. */
final class TestFrames
{
    /** Locally administered (RFC 7042 section 2.1): only the test's frames carry it, so kernel chatter is told apart. */
    static final long SOURCE_MAC = 0x02_46_55_4C_43_52L;
    static final int HEADERS = 14 + 20 + 8;

    private TestFrames()
    {
    }

    /** A frame of {@code length} bytes (at least 46) to {@code destinationMac}, UDP from {@code sourcePort}. */
    static byte[] udp(final long destinationMac, final int sourcePort, final int sequence, final int length)
    {
        final ByteBuffer frame = ByteBuffer.allocate(length);
        putMac(frame, destinationMac);
        putMac(frame, SOURCE_MAC);
        frame.putShort((short)0x0800);
        final int ipLength = length - 14;
        frame.put((byte)0x45).put((byte)0).putShort((short)ipLength).putShort((short)sequence).putShort((short)0x4000)
            .put((byte)64).put((byte)17).putShort((short)0)
            .putInt(0x0A_00_00_02).putInt(0x0A_00_00_01);
        frame.putShort(24, (short)ipv4Checksum(frame.array(), 14));
        frame.putShort((short)sourcePort).putShort((short)9).putShort((short)(ipLength - 20)).putShort((short)0);
        frame.putInt(sequence);
        for (int i = frame.position(); i < length; i++)
        {
            frame.put((byte)(i * 31 + sequence));
        }
        return frame.array();
    }

    static boolean isTestFrame(final byte[] frame)
    {
        if (frame.length < HEADERS + 4)
        {
            return false;
        }
        long mac = 0;
        for (int i = 6; i < 12; i++)
        {
            mac = (mac << 8) | (frame[i] & 0xFF);
        }
        return mac == SOURCE_MAC;
    }

    static int sequence(final byte[] frame)
    {
        return ByteBuffer.wrap(frame).getInt(HEADERS);
    }

    static int sourcePort(final byte[] frame)
    {
        return ByteBuffer.wrap(frame).getShort(34) & 0xFFFF;
    }

    private static void putMac(final ByteBuffer frame, final long mac)
    {
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            frame.put((byte)(mac >>> shift));
        }
    }

    private static int ipv4Checksum(final byte[] bytes, final int offset)
    {
        int sum = 0;
        for (int i = offset; i < offset + 20; i += 2)
        {
            sum += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }
}
