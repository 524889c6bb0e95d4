package io.fulcrum.controlplane.config;

/** How a service reaches its backends ({@code services[].mode}). */
public enum ServiceMode
{
    /** The packet data plane encapsulates to the backend, which answers the client directly (direct server return). */
    DSR("dsr", false),
    /** The daemon accepts the client's TCP connection and opens its own to the backend. */
    TCP("tcp", true),
    /** HTTP/1.1 reverse proxy: requests are routed, scheduled and retried one by one. */
    HTTP("http", true),
    /** Per-client-address UDP sessions relayed by the daemon. */
    UDP("udp", true);

    private final String yamlName;
    private final boolean proxied;

    ServiceMode(final String yamlName, final boolean proxied)
    {
        this.yamlName = yamlName;
        this.proxied = proxied;
    }

    public String yamlName()
    {
        return yamlName;
    }

    /** True for the modes the proxy serves: the backend sees the daemon as its client and sends responses back. */
    public boolean proxied()
    {
        return proxied;
    }
}
