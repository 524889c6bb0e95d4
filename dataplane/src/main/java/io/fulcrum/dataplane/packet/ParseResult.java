package io.fulcrum.dataplane.packet;

/**
 * What {@link PacketParser#parse} found, as plain int codes so that per-packet counters can be indexed by them.
 * {@link #IP} and {@link #NOT_IP} are well-formed frames; every code from {@link #TRUNCATED_ETHERNET} up names one
 * way a frame is malformed and is counted and dropped.
 */
public final class ParseResult
{
    /** An IPv4 or IPv6 packet, parsed up to its upper-layer header. */
    public static final int IP = 0;
    /** ARP, LLDP, VRRP over other EtherTypes, stacked VLANs...: not ours to balance, the host stack's business. */
    public static final int NOT_IP = 1;
    /** Shorter than an Ethernet header (or its 802.1Q tag). */
    public static final int TRUNCATED_ETHERNET = 2;
    /** Shorter than the fixed IPv4 (20) or IPv6 (40) header. */
    public static final int TRUNCATED_IP = 3;
    /** The IP version nibble does not match the EtherType. */
    public static final int BAD_IP_VERSION = 4;
    /** IPv4 IHL below 5 or beyond the bytes present. */
    public static final int BAD_IHL = 5;
    /** IPv4 total length below the header or beyond the frame; IPv6 payload length beyond the frame. */
    public static final int BAD_TOTAL_LENGTH = 6;
    /** A truncated IPv6 extension header, more than 8 of them, or a repeated/misplaced one (RFC 8200 section 4.1). */
    public static final int BAD_EXTENSION_CHAIN = 7;
    /** TCP, UDP or ICMP header cut short, or a TCP data offset below 5 or beyond the packet. */
    public static final int TRUNCATED_L4 = 8;
    /** A fragment whose offset plus length passes 65535, or a non-last fragment not a multiple of 8 bytes. */
    public static final int BAD_FRAGMENT = 9;

    public static final int COUNT = 10;

    private static final String[] NAMES = {
        "ip", "not-ip", "truncated-ethernet", "truncated-ip", "bad-ip-version", "bad-ihl", "bad-total-length",
        "bad-extension-chain", "truncated-l4", "bad-fragment"
    };

    private ParseResult()
    {
    }

    public static boolean isMalformed(final int code)
    {
        return code >= TRUNCATED_ETHERNET;
    }

    public static String name(final int code)
    {
        return code >= 0 && code < COUNT ? NAMES[code] : "unknown-" + code;
    }
}
