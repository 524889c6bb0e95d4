package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.forward.EncapsulationSettings;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * The way an encapsulated check takes to a backend: the way a client's packet to {@code vip} takes through the data
 * plane, encapsulated as that service's are, with the same outer headers.
 *
 * @param vip           the service's VIP, the inner destination; the backend answers from it
 * @param encapsulation the service's {@code forwarding}
 * @param outer         the data plane's outer header settings (source prefixes, GUE port)
 */
public record Tunnel(InetAddress vip, Encapsulation encapsulation, EncapsulationSettings outer)
{
    public Tunnel
    {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(encapsulation, "encapsulation");
        Objects.requireNonNull(outer, "outer");
    }

    /** "10.0.0.100:80 through ipip", for results. */
    String describe(final int port)
    {
        final String literal = IpLiterals.format(vip);
        return (literal.contains(":") ? "[" + literal + "]" : literal) + ":" + port + " through " +
            encapsulation.name().toLowerCase(Locale.ROOT);
    }
}
