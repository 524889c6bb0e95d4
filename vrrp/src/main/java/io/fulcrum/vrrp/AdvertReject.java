package io.fulcrum.vrrp;

/**
 * Why a received advertisement was dropped, as the int codes {@link AdvertCodec} returns (never an exception), with
 * the RFC 9568 section 7.1 check each one stands for. {@link #ACCEPTED} is zero; every other code is counted.
 */
public final class AdvertReject
{
    public static final int ACCEPTED = 0;
    /** "MUST verify that the IPv4 TTL / IPv6 Hop Limit is 255". */
    public static final int TTL = 1;
    /** "MUST verify the VRRP version is 3". */
    public static final int VERSION = 2;
    /** Only type 1 (ADVERTISEMENT) is defined (section 5.2.2). */
    public static final int TYPE = 3;
    /** "MUST verify that the received packet contains the complete VRRP packet (including fixed fields, and IPvX address(es))". */
    public static final int TRUNCATED = 4;
    /** "MUST verify the VRRP checksum". */
    public static final int CHECKSUM = 5;
    /** "MUST verify that the VRID is configured on the receiving interface". */
    public static final int VRID = 6;
    /** The count field disagrees with the length of the address list, or is zero. */
    public static final int ADDRESS_COUNT = 7;
    /** Not an IPv4 packet of protocol 112 where one was expected. */
    public static final int NOT_VRRP = 8;
    /** A Max Adver Int of zero, which would make the Master_Down_Interval zero. */
    public static final int INTERVAL = 9;
    /** Unicast mode: the source is not one of the configured peers. */
    public static final int UNKNOWN_PEER = 10;
    /** Our own advertisement looped back (the source is one of our addresses). */
    public static final int OWN = 11;

    public static final int CODES = 12;

    private static final String[] NAMES = {
        "accepted", "ttl", "version", "type", "truncated", "checksum", "vrid", "address_count", "not_vrrp",
        "interval", "unknown_peer", "own"};

    private AdvertReject()
    {
    }

    /** A stable lower-case name for counters and logs. */
    public static String name(final int code)
    {
        return code >= 0 && code < CODES ? NAMES[code] : "code_" + code;
    }
}
