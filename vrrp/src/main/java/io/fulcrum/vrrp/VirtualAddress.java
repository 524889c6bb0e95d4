package io.fulcrum.vrrp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** A virtual IP address with the prefix length it is added with, as {@code 10.0.0.100/24} or {@code fe80::100/64}. */
public record VirtualAddress(InetAddress address, int prefixLength)
{
    public VirtualAddress
    {
        final int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 1 || prefixLength > max)
        {
            throw new IllegalArgumentException("prefix length must be 1.." + max + ": " + address.getHostAddress()
                + "/" + prefixLength);
        }
    }

    /** Parses {@code ADDRESS[/PREFIX]}; without a prefix a host route length (/32 or /128) is used. */
    public static VirtualAddress parse(final String text)
    {
        final int slash = text.indexOf('/');
        final String literal = slash < 0 ? text.strip() : text.substring(0, slash).strip();
        if (literal.isEmpty() || !(literal.indexOf(':') >= 0 || Character.isDigit(literal.charAt(0))))
        {
            throw new IllegalArgumentException("not an IP address literal: " + text);
        }
        try
        {
            final InetAddress address = InetAddress.getByName(literal);
            final int prefix = slash < 0 ? (address instanceof Inet4Address ? 32 : 128)
                : Integer.parseInt(text.substring(slash + 1).strip());
            return new VirtualAddress(address, prefix);
        }
        catch (final UnknownHostException | NumberFormatException e)
        {
            throw new IllegalArgumentException("not ADDRESS[/PREFIX]: " + text, e);
        }
    }

    public int family()
    {
        return address instanceof Inet4Address ? 4 : 6;
    }

    public boolean isLinkLocal()
    {
        return address instanceof Inet6Address && address.isLinkLocalAddress();
    }

    @Override
    public String toString()
    {
        return io.fulcrum.dataplane.packet.IpAddresses.format(address) + "/" + prefixLength;
    }
}
