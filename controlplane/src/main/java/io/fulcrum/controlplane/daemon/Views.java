package io.fulcrum.controlplane.daemon;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Read-only snapshots of the appliance for the management API, the CLI and the status page (JSON-friendly). */
public final class Views
{
    private Views()
    {
    }

    /**
     * @param vrrp one entry per VRRP instance (empty until VRRP is configured)
     */
    public record Status(String version, Instant started, long uptimeSeconds, String configFile, String packetIo,
        int workers, List<Vrrp> vrrp, Sync sync)
    {
        public Status(final String version, final Instant started, final long uptimeSeconds, final String configFile,
            final String packetIo, final int workers, final List<Vrrp> vrrp)
        {
            this(version, started, uptimeSeconds, configFile, packetIo, workers, vrrp, Sync.OFF);
        }
    }

    /** Connection sync with the pair's other appliance; {@link #OFF} without a sync section. */
    public record Sync(boolean enabled, String role, String peer, long recordsSent, long recordsInstalled,
        long resyncs, long refused, long ringDropped, long memoryBytes, long maxBytesPerSecond)
    {
        public static final Sync OFF = new Sync(false, "off", "", 0, 0, 0, 0, 0, 0, 0);
    }

    public record Vrrp(String instance, int vrid, String state, int priority)
    {
    }

    /**
     * @param mode      dsr, tcp, http or udp
     * @param proxy     a proxied service's counters by name (empty for dsr; see ProxyCounterViews)
     */
    public record Service(String name, String vip, int port, String protocol, String forwarding, String pool,
        long packets, long bytes, long newFlows, List<Backend> backends, String mode, String scheduler,
        Map<String, Long> proxy)
    {
    }

    /**
     * @param health    {@code up}, {@code down} or {@code unknown} (no check configured: {@code unchecked})
     * @param effective what the data plane does with it: {@code active}, {@code draining} or {@code down}
     * @param history   the most recent health results, newest last
     * @param active    connections or requests the proxy has open to it now (0 when only dsr services use it)
     * @param latencyMs the proxy's peak-EWMA latency of its answers, in milliseconds (0 before any)
     * @param ejected   passive health: the proxy ejected it after consecutive failures, for a back-off
     * @param requests  HTTP requests the proxy sent it, each attempt of a retried one counted
     * @param responseTimes how fast it answered those requests ({@link ResponseTimes#NONE} before any)
     */
    public record Backend(String pool, String address, int weight, AdminState admin, String health, String effective,
        List<HealthResult> history, long packets, long bytes, long newFlows, int active, double latencyMs,
        boolean ejected, long requests, ResponseTimes responseTimes)
    {
    }

    /**
     * A backend's HTTP response times as a histogram, request headers sent to response headers read.
     *
     * @param upperBoundsSeconds each bucket's inclusive upper bound, ascending; the last bucket has none (+Inf)
     * @param counts             responses per bucket (not cumulative), one more than there are bounds
     */
    public record ResponseTimes(long count, double sumSeconds, List<Double> upperBoundsSeconds, List<Long> counts)
    {
        public static final ResponseTimes NONE = new ResponseTimes(0, 0, List.of(), List.of());

        public ResponseTimes
        {
            upperBoundsSeconds = List.copyOf(upperBoundsSeconds);
            counts = List.copyOf(counts);
            if (!counts.isEmpty() && counts.size() != upperBoundsSeconds.size() + 1)
            {
                throw new IllegalArgumentException("one count per bucket and one above the last bound");
            }
        }
    }

    /** One health check run. */
    public record HealthResult(Instant at, boolean ok, long millis, String detail)
    {
    }

    /** The outcome of a reload or a validation: ok, or every problem as FILE:LINE:COL: FIELD: MESSAGE. */
    public record ReloadResult(boolean ok, List<String> problems, String summary)
    {
    }

    /**
     * Whether the appliance does its job: the daemon answers (it does, or there would be no answer), every data-plane
     * worker finishes duty cycles, and every VRRP instance is MASTER or BACKUP (not INIT or FAULT).
     *
     * @param problems what is wrong, one sentence each; empty when healthy
     */
    public record Health(boolean healthy, String version, List<String> problems)
    {
        public Health
        {
            problems = List.copyOf(problems);
        }
    }

    /**
     * An upgrade handed to the appliance's installer.
     *
     * @param file   where the uploaded file was stored
     * @param sha256 its checksum, as received and verified
     * @param detail what happens next (the installer's unit, or why nothing happens)
     */
    public record Upgrade(boolean started, String file, String sha256, String detail)
    {
    }
}
