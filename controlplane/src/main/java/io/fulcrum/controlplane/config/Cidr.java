package io.fulcrum.controlplane.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An address prefix, {@code 172.16.0.0/16} (RFC 4632 section 3.1; RFC 4291 section 2.3 for IPv6). Host bits must be
 * zero: {@code 172.16.0.1/16} is refused, since it usually means the operator meant something else.
 */
public record Cidr(InetAddress address, int prefixLength)
{
    public Cidr
    {
        Objects.requireNonNull(address, "address");
        final int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits)
        {
            throw new IllegalArgumentException("prefix length must be 0 to " + bits + ": " + prefixLength);
        }
    }

    /** @throws IllegalArgumentException saying what is wrong */
    public static Cidr parse(final String text)
    {
        final int slash = text.indexOf('/');
        if (slash < 0)
        {
            throw new IllegalArgumentException("'" + text + "': a prefix is ADDRESS/LENGTH, like 172.16.0.0/16");
        }
        final InetAddress address = IpLiterals.parse(text.substring(0, slash));
        final String lengthText = text.substring(slash + 1);
        final int bits = address.getAddress().length * 8;
        final int length;
        try
        {
            length = lengthText.length() > 3 || lengthText.startsWith("+") ? -1 : Integer.parseInt(lengthText);
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("'" + text + "': the prefix length must be a number from 0 to " + bits);
        }
        if (length < 0 || length > bits)
        {
            throw new IllegalArgumentException("'" + text + "': the prefix length must be a number from 0 to " + bits);
        }
        final byte[] bytes = address.getAddress();
        for (int bit = length; bit < bits; bit++)
        {
            if ((bytes[bit >>> 3] & (0x80 >>> (bit & 7))) != 0)
            {
                throw new IllegalArgumentException("'" + text + "': host bits are set after the first " + length +
                    " bits; the network is " + new Cidr(mask(bytes, length), length));
            }
        }
        return new Cidr(address, length);
    }

    public boolean isV4()
    {
        return address instanceof Inet4Address;
    }

    private static InetAddress mask(final byte[] bytes, final int length)
    {
        final byte[] masked = bytes.clone();
        for (int bit = length; bit < masked.length * 8; bit++)
        {
            masked[bit >>> 3] &= (byte)~(0x80 >>> (bit & 7));
        }
        try
        {
            return InetAddress.getByAddress(masked);
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalStateException(e); // unreachable: the length is 4 or 16
        }
    }

    @Override
    public String toString()
    {
        return IpLiterals.format(address) + "/" + prefixLength;
    }
}
