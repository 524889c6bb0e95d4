package io.fulcrum.dataplane.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * One representation for both address families on the per-packet path: an address is two longs, {@code hi} and
 * {@code lo}, its 128 bits in network order. IPv4 addresses are IPv4-mapped ({@code ::ffff:a.b.c.d}, RFC 4291
 * section 2.5.5.2), so {@code hi == 0} and {@code lo == 0xffff_0000_0000L | ipv4}.
 */
public final class IpAddresses
{
    public static final long V4_MAPPED_PREFIX = 0xffff_0000_0000L;

    private IpAddresses()
    {
    }

    public static boolean isV4(final long hi, final long lo)
    {
        return hi == 0 && (lo & 0xffff_ffff_0000_0000L) == V4_MAPPED_PREFIX;
    }

    public static long v4Lo(final int ipv4)
    {
        return V4_MAPPED_PREFIX | (ipv4 & 0xffff_ffffL);
    }

    public static int v4(final long lo)
    {
        return (int)lo;
    }

    public static long hi(final InetAddress address)
    {
        if (address instanceof Inet4Address)
        {
            return 0;
        }
        return toLong(address.getAddress(), 0);
    }

    public static long lo(final InetAddress address)
    {
        final byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address)
        {
            return v4Lo((int)toLong(bytes, 0));
        }
        return toLong(bytes, 8);
    }

    public static InetAddress toInetAddress(final long hi, final long lo)
    {
        try
        {
            if (isV4(hi, lo))
            {
                final int v4 = v4(lo);
                return InetAddress.getByAddress(new byte[]{(byte)(v4 >>> 24), (byte)(v4 >>> 16), (byte)(v4 >>> 8), (byte)v4});
            }
            final byte[] bytes = new byte[16];
            for (int i = 0; i < 8; i++)
            {
                bytes[i] = (byte)(hi >>> (56 - 8 * i));
                bytes[8 + i] = (byte)(lo >>> (56 - 8 * i));
            }
            return Inet6Address.getByAddress(bytes);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e); // unreachable: the lengths are 4 and 16
        }
    }

    public static String format(final long hi, final long lo)
    {
        return format(toInetAddress(hi, lo));
    }

    /** RFC 5952 text: {@code 2001:db8::53}, not the JDK's {@code 2001:db8:0:0:0:0:0:53}. */
    public static String format(final InetAddress address)
    {
        if (!(address instanceof Inet6Address))
        {
            return address.getHostAddress();
        }
        final byte[] bytes = address.getAddress();
        final int[] groups = new int[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | (bytes[2 * i + 1] & 0xff);
        }
        // Section 4.2: compress the longest run of two or more zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            int end = i;
            while (end < 8 && groups[end] == 0)
            {
                end++;
            }
            if (end - i > bestLength)
            {
                bestStart = i;
                bestLength = end - i;
            }
            i = end == i ? i + 1 : end;
        }
        final StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':')
            {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }


    private static long toLong(final byte[] bytes, final int from)
    {
        long value = 0;
        final int end = Math.min(bytes.length, from + 8);
        for (int i = from; i < end; i++)
        {
            value = value << 8 | (bytes[i] & 0xff);
        }
        return value;
    }
}
