package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.packet.IpAddresses;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Parses IP address literals, never names: a configuration that depends on DNS at load time is a configuration that
 * changes when DNS does. IPv4 is strict dotted-quad (RFC 6943 section 3.1.1: no leading zeros, no short or hex
 * forms that inet_aton would read as something else); IPv6 is RFC 4291 section 2.2 text without a zone or brackets.
 */
public final class IpLiterals
{
    private IpLiterals()
    {
    }

    /**
     * @throws IllegalArgumentException whose message quotes the text and says what is wrong with it
     */
    public static InetAddress parse(final String text)
    {
        if (text.indexOf(':') >= 0)
        {
            return parseV6(text);
        }
        return parseV4(text);
    }

    private static InetAddress parseV4(final String text)
    {
        final byte[] bytes = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++)
        {
            final char c = i < text.length() ? text.charAt(i) : '.';
            if (c >= '0' && c <= '9')
            {
                if (digits > 0 && value == 0)
                {
                    throw notAnAddress(text, "leading zeros are ambiguous (octal in some parsers)");
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                digits++;
                if (value > 255)
                {
                    throw notAnAddress(text, "each of the four parts must be 0 to 255");
                }
            }
            else if (c == '.')
            {
                if (digits == 0 || part == 4)
                {
                    throw notAnAddress(text, "expected four decimal parts separated by dots");
                }
                bytes[part++] = (byte)value;
                value = -1;
                digits = 0;
            }
            else
            {
                throw notAnAddress(text, "names are not resolved; IPv4 addresses are four decimal parts like 192.0.2.10");
            }
        }
        if (part != 4)
        {
            throw notAnAddress(text, "expected four decimal parts separated by dots");
        }
        return byAddress(bytes);
    }

    private static InetAddress parseV6(final String text)
    {
        if (text.indexOf('%') >= 0 || text.indexOf('[') >= 0)
        {
            throw notAnAddress(text, "write the IPv6 address without brackets or a zone");
        }
        final InetAddress address;
        try
        {
            address = InetAddress.ofLiteral(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw notAnAddress(text, "not a valid IPv6 address");
        }
        if (address instanceof Inet4Address)
        {
            // The JDK turns ::ffff:a.b.c.d into an Inet4Address; say so rather than silently change the family.
            throw notAnAddress(text, "an IPv4-mapped IPv6 address; write the IPv4 address " + address.getHostAddress());
        }
        return address;
    }

    private static InetAddress byAddress(final byte[] bytes)
    {
        try
        {
            return InetAddress.getByAddress(bytes);
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalStateException(e); // unreachable: the length is 4
        }
    }

    private static IllegalArgumentException notAnAddress(final String text, final String why)
    {
        return new IllegalArgumentException("'" + text + "': " + why);
    }

    /** RFC 5952 text: {@code 2001:db8::53}, not the JDK's {@code 2001:db8:0:0:0:0:0:53}. */
    public static String format(final InetAddress address)
    {
        return IpAddresses.format(address);
    }

    /** "IPv4" or "IPv6". */
    public static String family(final InetAddress address)
    {
        return address instanceof Inet6Address ? "IPv6" : "IPv4";
    }
}
