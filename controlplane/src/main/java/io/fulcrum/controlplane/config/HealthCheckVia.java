package io.fulcrum.controlplane.config;

import java.util.Locale;

/** Which way a check reaches the backend ({@code health-check.via}). */
public enum HealthCheckVia
{
    /**
     * To a VIP of a service that forwards to the pool, encapsulated as that service's client packets are (IPIP,
     * IPv6-in-IPv6 or GUE); the backend decapsulates and answers from the VIP, as it answers clients (Katran's
     * encapsulated health checks). A backend that cannot decapsulate, or has not bound the VIP, fails.
     */
    ENCAPSULATED,
    /** To the backend's own address, unencapsulated: says nothing about decapsulation or the VIP. */
    DIRECT;

    public String yamlName()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
