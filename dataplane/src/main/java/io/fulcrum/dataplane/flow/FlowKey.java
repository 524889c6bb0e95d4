package io.fulcrum.dataplane.flow;

import io.fulcrum.dataplane.packet.IpAddresses;

/**
 * The 5-tuple of a packet: a mutable holder, one per worker, refilled for every packet so that nothing is allocated.
 * Addresses are two longs each as in {@link IpAddresses} (IPv4 as IPv4-mapped), ports are 16-bit, the protocol 8-bit.
 *
 * <p>{@link #hash()} and {@link #hash3()} are deterministic (no per-process seed): both appliances of a pair compute
 * the same value for the same flow, so their Maglev picks agree across a failover.
 */
public final class FlowKey
{
    // xxHash64 primes (Yann Collet, xxhash.h): good avalanche with one multiply per round.
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int srcPort;
    private int dstPort;
    private int protocol;

    /** Fills every field; ports are masked to 16 bits and the protocol to 8 bits. Returns this key. */
    public FlowKey set(
        final long srcHi,
        final long srcLo,
        final long dstHi,
        final long dstLo,
        final int srcPort,
        final int dstPort,
        final int protocol)
    {
        this.srcHi = srcHi;
        this.srcLo = srcLo;
        this.dstHi = dstHi;
        this.dstLo = dstLo;
        this.srcPort = srcPort & 0xffff;
        this.dstPort = dstPort & 0xffff;
        this.protocol = protocol & 0xff;
        return this;
    }

    /** Copies another key's fields into this one. Returns this key. */
    public FlowKey copyFrom(final FlowKey other)
    {
        return set(other.srcHi, other.srcLo, other.dstHi, other.dstLo, other.srcPort, other.dstPort, other.protocol);
    }

    /**
     * Swaps source and destination (addresses and ports): an ICMP error quotes the packet the backend sent, whose
     * source is the client flow's destination (RFC 792, RFC 4443 section 2.4 (c)).
     */
    public FlowKey reverse()
    {
        final long hi = srcHi;
        final long lo = srcLo;
        final int port = srcPort;
        srcHi = dstHi;
        srcLo = dstLo;
        srcPort = dstPort;
        dstHi = hi;
        dstLo = lo;
        dstPort = port;
        return this;
    }

    /** A well-mixed 64-bit hash of the 5-tuple; the same on every machine and in every run. */
    public long hash()
    {
        long h = P5 + 40;
        h = round(h, srcHi);
        h = round(h, srcLo);
        h = round(h, dstHi);
        h = round(h, dstLo);
        h = round(h, (long)srcPort << 24 | (long)dstPort << 8 | protocol);
        return avalanche(h);
    }

    /**
     * A hash of (source, destination, protocol) only, for IP fragments, which carry no ports after the first one
     * (Maglev, NSDI 2016, section 3.4: fragments are hashed on the 3-tuple so that all of them reach one backend).
     */
    public long hash3()
    {
        long h = P5 + 33;
        h = round(h, srcHi);
        h = round(h, srcLo);
        h = round(h, dstHi);
        h = round(h, dstLo);
        h = round(h, protocol);
        return avalanche(h);
    }

    /**
     * A hash of a client's address alone, what {@code ip-hash} keys on (the data plane and the proxy alike): the
     * {@link #hash3()} of a key holding only that address as its source, so every connection of the client, whatever
     * its ports, hashes the same.
     */
    public static long clientHash(final long srcHi, final long srcLo)
    {
        long h = P5 + 33;
        h = round(h, srcHi);
        h = round(h, srcLo);
        h = round(h, 0);
        h = round(h, 0);
        h = round(h, 0);
        return avalanche(h);
    }

    public long srcHi()
    {
        return srcHi;
    }

    public long srcLo()
    {
        return srcLo;
    }

    public long dstHi()
    {
        return dstHi;
    }

    public long dstLo()
    {
        return dstLo;
    }

    public int srcPort()
    {
        return srcPort;
    }

    public int dstPort()
    {
        return dstPort;
    }

    public int protocol()
    {
        return protocol;
    }

    /** For logs and tests, not the per-packet path (allocates). */
    @Override
    public String toString()
    {
        return "[" + IpAddresses.format(srcHi, srcLo) + "]:" + srcPort + " -> [" + IpAddresses.format(dstHi, dstLo) + "]:" +
            dstPort + " proto " + protocol;
    }

    // xxHash64 stripe round and merge: acc = rotl(acc ^ round(0, input), 27) * P1 + P4.
    private static long round(final long acc, final long input)
    {
        final long k = Long.rotateLeft(input * P2, 31) * P1;
        return Long.rotateLeft(acc ^ k, 27) * P1 + P4;
    }

    // xxHash64 final avalanche: every input bit affects every output bit.
    private static long avalanche(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }
}
