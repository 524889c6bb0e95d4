package io.fulcrum.dataplane.forward;

/**
 * How {@link Encapsulator} builds outer headers. Outer source addresses are taken from a prefix owned by the balancer,
 * with the host bits from the flow hash: a backend's NIC hashes the outer header for RSS, so this spreads flows over
 * its receive queues while each flow keeps one queue (Katran does the same).
 *
 * @param ipv4SourcePrefix     IPv4 outer source prefix, as an int address (host bits ignored)
 * @param ipv4SourcePrefixLength its length, 0 to 32
 * @param ipv6SourcePrefixHi   IPv6 outer source prefix, high 64 bits
 * @param ipv6SourcePrefixLo   IPv6 outer source prefix, low 64 bits (host bits ignored)
 * @param ipv6SourcePrefixLength its length, 0 to 128
 * @param gueDestinationPort   UDP destination port of GUE packets (the backend's {@code fou} listener)
 */
public record EncapsulationSettings(
    int ipv4SourcePrefix,
    int ipv4SourcePrefixLength,
    long ipv6SourcePrefixHi,
    long ipv6SourcePrefixLo,
    int ipv6SourcePrefixLength,
    int gueDestinationPort)
{
    /** 172.16.0.0/16. */
    public static final int DEFAULT_IPV4_PREFIX = 0xac10_0000;
    public static final int DEFAULT_IPV4_PREFIX_LENGTH = 16;
    /** fd00:f1c::/64, a unique local prefix (RFC 4193). */
    public static final long DEFAULT_IPV6_PREFIX_HI = 0xfd00_0f1c_0000_0000L;
    public static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;
    /** The port Katran's GUE examples and its backends' {@code ip fou add port 9886 gue} use. */
    public static final int DEFAULT_GUE_PORT = 9886;

    public EncapsulationSettings
    {
        if (ipv4SourcePrefixLength < 0 || ipv4SourcePrefixLength > 32)
        {
            throw new IllegalArgumentException("IPv4 source prefix length must be 0..32: " + ipv4SourcePrefixLength);
        }
        if (ipv6SourcePrefixLength < 0 || ipv6SourcePrefixLength > 128)
        {
            throw new IllegalArgumentException("IPv6 source prefix length must be 0..128: " + ipv6SourcePrefixLength);
        }
        if (gueDestinationPort <= 0 || gueDestinationPort > 65535)
        {
            throw new IllegalArgumentException("GUE port must be 1..65535: " + gueDestinationPort);
        }
    }

    public static EncapsulationSettings defaults()
    {
        return new EncapsulationSettings(
            DEFAULT_IPV4_PREFIX, DEFAULT_IPV4_PREFIX_LENGTH,
            DEFAULT_IPV6_PREFIX_HI, 0, DEFAULT_IPV6_PREFIX_LENGTH,
            DEFAULT_GUE_PORT);
    }
}
