package io.fulcrum.controlplane.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The per-worker flow table ({@code dataplane.connection-table}).
 *
 * @param capacity          flows each worker can track
 * @param tcpTimeout        an established TCP flow with no packets for this long is forgotten
 * @param tcpClosingTimeout after a FIN or RST the flow is kept only this long, for retransmissions
 * @param udpTimeout        a UDP "flow" with no packets for this long is forgotten
 */
public record ConnectionTableConfig(int capacity, Duration tcpTimeout, Duration tcpClosingTimeout, Duration udpTimeout)
{
    public static final int DEFAULT_CAPACITY = 1 << 20;
    public static final int MAX_CAPACITY = 1 << 30;
    /** Linux conntrack's established timeout is 5 days; a balancer sees far more flows and keeps them 15 minutes. */
    public static final Duration DEFAULT_TCP_TIMEOUT = Duration.ofSeconds(900);
    public static final Duration DEFAULT_TCP_CLOSING_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_UDP_TIMEOUT = Duration.ofSeconds(60);

    public ConnectionTableConfig
    {
        Objects.requireNonNull(tcpTimeout, "tcpTimeout");
        Objects.requireNonNull(tcpClosingTimeout, "tcpClosingTimeout");
        Objects.requireNonNull(udpTimeout, "udpTimeout");
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("capacity must be 1 to " + MAX_CAPACITY + ": " + capacity);
        }
    }

    public static ConnectionTableConfig defaults()
    {
        return new ConnectionTableConfig(DEFAULT_CAPACITY, DEFAULT_TCP_TIMEOUT, DEFAULT_TCP_CLOSING_TIMEOUT, DEFAULT_UDP_TIMEOUT);
    }
}
