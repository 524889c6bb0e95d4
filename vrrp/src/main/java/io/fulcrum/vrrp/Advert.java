package io.fulcrum.vrrp;

import java.lang.foreign.MemorySegment;

import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.NetworkBytes;

/**
 * A parsed VRRPv3 advertisement: the fixed fields copied out, the addresses read in place from the buffer
 * {@link AdvertCodec} parsed (valid until that buffer is reused). One instance is reused for every packet.
 * Addresses are given as Fulcrum's (hi, lo) pair, IPv4 addresses IPv4-mapped (see {@link IpAddresses}).
 */
public final class Advert
{
    /** The checksum covered the pseudo-header (RFC 9568 section 5.2.8; keepalived 2.2.7 and FRR send this form). */
    public static final int CHECKSUM_PSEUDO_HEADER = 1;
    /** IPv4 only: the checksum covered the VRRP message alone, as some older implementations computed it. */
    public static final int CHECKSUM_MESSAGE_ONLY = 2;

    int family;
    int vrid;
    int priority;
    int count;
    int maxAdverIntervalCs;
    int checksumForm;
    int ttl;
    long sourceHi;
    long sourceLo;
    MemorySegment memory;
    long addressesOffset;

    /** 4 or 6. */
    public int family()
    {
        return family;
    }

    public int vrid()
    {
        return vrid;
    }

    public int priority()
    {
        return priority;
    }

    public int count()
    {
        return count;
    }

    /** Max Adver Int in centiseconds (12 bits). */
    public int maxAdverIntervalCs()
    {
        return maxAdverIntervalCs;
    }

    public int checksumForm()
    {
        return checksumForm;
    }

    public int ttl()
    {
        return ttl;
    }

    /** The IP source of the packet: the sender's primary address, which breaks priority ties (section 6.4.3). */
    public long sourceHi()
    {
        return sourceHi;
    }

    public long sourceLo()
    {
        return sourceLo;
    }

    public long addressHi(final int index)
    {
        checkIndex(index);
        return family == 4 ? 0 : NetworkBytes.u64(memory, addressesOffset + 16L * index);
    }

    public long addressLo(final int index)
    {
        checkIndex(index);
        return family == 4
            ? IpAddresses.v4Lo(NetworkBytes.u32(memory, addressesOffset + 4L * index))
            : NetworkBytes.u64(memory, addressesOffset + 16L * index + 8);
    }

    private void checkIndex(final int index)
    {
        if (index < 0 || index >= count)
        {
            throw new IndexOutOfBoundsException("address " + index + " of " + count);
        }
    }

    @Override
    public String toString()
    {
        return "Advert[v" + family + " vrid=" + vrid + " prio=" + priority + " int=" + maxAdverIntervalCs
            + "cs count=" + count + " from " + IpAddresses.format(sourceHi, sourceLo) + " ttl=" + ttl + "]";
    }
}
