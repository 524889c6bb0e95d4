package io.fulcrum.controlplane.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The per-worker flow table ({@code dataplane.connection-table}).
 *
 * @param capacity          flows each worker can track
 * @param tcpTimeout        an established TCP flow with no packets for this long is forgotten
 * @param tcpClosingTimeout after a FIN or RST the flow is kept only this long, for retransmissions
 * @param udpTimeout        a UDP "flow" with no packets for this long is forgotten
 * @param file              where the tables live so that they outlive the process ({@code NAME.0}, {@code NAME.1}...
 *                          per worker, beside {@code NAME.backend-ids} and {@code NAME.lock}); empty when
 *                          {@code persistent: false}, and then a restart forgets every flow
 */
public record ConnectionTableConfig(int capacity, Duration tcpTimeout, Duration tcpClosingTimeout, Duration udpTimeout,
    Optional<Path> file)
{
    /**
     * tmpfs: the tables survive the process (restart, upgrade, crash) but not a reboot, when every connection through
     * the balancer is gone anyway; and mapped tmpfs pages cost no disk writes on the per-packet path.
     */
    public static final Path DEFAULT_FILE = Path.of("/dev/shm/fulcrum/connections");
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
        Objects.requireNonNull(file, "file");
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("capacity must be 1 to " + MAX_CAPACITY + ": " + capacity);
        }
    }

    /** A table in the default file. */
    public ConnectionTableConfig(final int capacity, final Duration tcpTimeout, final Duration tcpClosingTimeout,
        final Duration udpTimeout)
    {
        this(capacity, tcpTimeout, tcpClosingTimeout, udpTimeout, Optional.of(DEFAULT_FILE));
    }

    public static ConnectionTableConfig defaults()
    {
        return new ConnectionTableConfig(DEFAULT_CAPACITY, DEFAULT_TCP_TIMEOUT, DEFAULT_TCP_CLOSING_TIMEOUT, DEFAULT_UDP_TIMEOUT);
    }
}
