package io.fulcrum.controlplane.config;

import java.util.Locale;

/** How a backend's health is checked ({@code health-check.type}). */
public enum HealthCheckType
{
    /** A TCP connection is accepted within the timeout. */
    TCP,
    /** An HTTP/1.1 GET answers with an expected status (and body). */
    HTTP,
    /** The same over TLS. */
    HTTPS,
    /** A datagram is answered within the timeout. */
    UDP;

    public String yamlName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isHttp()
    {
        return this == HTTP || this == HTTPS;
    }
}
