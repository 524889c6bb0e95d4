package io.fulcrum.controlplane.config;

import java.util.Objects;

/**
 * The outer headers of encapsulated packets ({@code dataplane.encapsulation}).
 *
 * @param ipv4Source outer IPv4 source addresses are taken from this prefix by flow hash, so backends' NICs spread
 *                   flows over their receive queues (RSS hashes the outer header); same for {@code ipv6Source}
 * @param guePort    the UDP destination port of GUE packets (draft-ietf-intarea-gue); the backend must listen on it
 */
public record EncapsulationConfig(Cidr ipv4Source, Cidr ipv6Source, int guePort)
{
    public static final Cidr DEFAULT_IPV4_SOURCE = Cidr.parse("172.16.0.0/16");
    public static final Cidr DEFAULT_IPV6_SOURCE = Cidr.parse("fd00:f1c::/64");
    public static final int DEFAULT_GUE_PORT = 9886;

    public EncapsulationConfig
    {
        Objects.requireNonNull(ipv4Source, "ipv4Source");
        Objects.requireNonNull(ipv6Source, "ipv6Source");
        if (!ipv4Source.isV4() || ipv6Source.isV4())
        {
            throw new IllegalArgumentException("ipv4Source must be IPv4 and ipv6Source IPv6: " + ipv4Source + ", " + ipv6Source);
        }
        if (guePort < 1 || guePort > 65535)
        {
            throw new IllegalArgumentException("guePort out of range: " + guePort);
        }
    }

    public static EncapsulationConfig defaults()
    {
        return new EncapsulationConfig(DEFAULT_IPV4_SOURCE, DEFAULT_IPV6_SOURCE, DEFAULT_GUE_PORT);
    }
}
