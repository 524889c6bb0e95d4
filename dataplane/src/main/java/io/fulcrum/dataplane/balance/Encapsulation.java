package io.fulcrum.dataplane.balance;

/** How a service's packets reach its backends for direct server return. */
public enum Encapsulation
{
    /** IPv4 in IPv4 (protocol 4) or IPv6 in IPv6 (protocol 41), by the backend's address family. */
    IPIP,
    /** Generic UDP Encapsulation, variant 1 (the inner IP packet directly after the UDP header). */
    GUE
}
