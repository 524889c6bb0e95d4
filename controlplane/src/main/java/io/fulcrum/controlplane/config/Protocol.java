package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Service;

/** A service's transport protocol ({@code services[].protocol}). */
public enum Protocol
{
    TCP("tcp", Service.TCP),
    UDP("udp", Service.UDP);

    private final String yamlName;
    private final int number;

    Protocol(final String yamlName, final int number)
    {
        this.yamlName = yamlName;
        this.number = number;
    }

    public String yamlName()
    {
        return yamlName;
    }

    /** The IP protocol number (IANA "Assigned Internet Protocol Numbers"). */
    public int number()
    {
        return number;
    }
}
