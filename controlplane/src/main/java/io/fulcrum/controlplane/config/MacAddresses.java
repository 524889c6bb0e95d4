package io.fulcrum.controlplane.config;

/** Ethernet addresses as the data plane keeps them: the low 48 bits of a long, first octet most significant. */
public final class MacAddresses
{
    /** "Not resolved yet": the data plane resolves it at run time; replay writes it as is. */
    public static final long UNRESOLVED = 0;

    private MacAddresses()
    {
    }

    /**
     * Parses six two-digit hexadecimal octets separated by colons ({@code 02:00:00:00:00:11}), the form
     * {@code ip link} prints.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static long parse(final String text)
    {
        if (text.length() != 17)
        {
            throw notAMac(text);
        }
        long mac = 0;
        for (int octet = 0; octet < 6; octet++)
        {
            final int at = octet * 3;
            if (octet > 0 && text.charAt(at - 1) != ':')
            {
                throw notAMac(text);
            }
            final int high = hexDigit(text.charAt(at));
            final int low = hexDigit(text.charAt(at + 1));
            if (high < 0 || low < 0)
            {
                throw notAMac(text);
            }
            mac = mac << 8 | high << 4 | low;
        }
        return mac;
    }

    public static String format(final long mac)
    {
        final StringBuilder text = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xff;
            text.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
            if (shift > 0)
            {
                text.append(':');
            }
        }
        return text.toString();
    }

    private static int hexDigit(final char c)
    {
        // Not Character.digit: it also accepts non-ASCII digits such as full-width ones.
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException notAMac(final String text)
    {
        return new IllegalArgumentException("'" + text + "' is not a MAC address: expected six hexadecimal octets " +
            "separated by colons, like 02:00:00:00:00:11");
    }
}
