package io.fulcrum.vrrp;

/** The virtual router identifiers (1-255) configured on one socket: a 256-bit set, allocation-free to query. */
public final class VridSet
{
    private final long[] bits = new long[4];

    public VridSet add(final int vrid)
    {
        if (vrid < 1 || vrid > 255)
        {
            throw new IllegalArgumentException("VRID must be 1..255: " + vrid);
        }
        bits[vrid >>> 6] |= 1L << (vrid & 63);
        return this;
    }

    public boolean contains(final int vrid)
    {
        return vrid >= 0 && vrid <= 255 && (bits[vrid >>> 6] & (1L << (vrid & 63))) != 0;
    }
}
