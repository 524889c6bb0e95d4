package io.fulcrum.controlplane.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.fulcrum.controlplane.daemon.AdminState;
import io.fulcrum.controlplane.daemon.ApplianceControl;
import io.fulcrum.controlplane.daemon.Views;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.sync.SyncCounters;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The appliance's Prometheus metrics, read from {@link ApplianceControl} at each scrape (the data plane's counters
 * are already single-writer counters in shared memory, so nothing is kept here between scrapes). Counter names below
 * are given without the {@code _total} suffix the text format adds; docs/grafana/fulcrum-dashboard.json uses them.
 *
 * <p>States are exposed the usual Prometheus way: one series per possible state, 1 for the current one, 0 for the
 * others, so a dashboard or alert can select {@code state="down"} directly.
 */
public final class ApplianceMetrics implements MultiCollector
{
    /** Every value of {@link Views.Backend#health()}. */
    public static final List<String> HEALTH_STATES = List.of("up", "down", "unknown", "unchecked");
    /** Every value of {@link Views.Backend#effective()}. */
    public static final List<String> EFFECTIVE_STATES = List.of("active", "draining", "down");
    /** RFC 5798 section 6.4's states, as {@link Views.Vrrp#state()} names them (lower case). */
    public static final List<String> VRRP_STATES = List.of("initialize", "backup", "master", "fault");

    private final ApplianceControl control;

    public ApplianceMetrics(final ApplianceControl control)
    {
        this.control = control;
    }

    @Override
    public MetricSnapshots collect()
    {
        final Views.Status status = control.status();
        final List<Views.Service> services = control.services();
        final List<Views.Backend> backends = control.backends();
        final CounterTotals totals = control.counters();
        final List<MetricSnapshot> metrics = new ArrayList<>();

        metrics.add(gauge("fulcrum_info", "Fulcrum version and packet I/O of the running appliance (always 1).",
            List.of(point(1, "version", status.version(), "packet_io", status.packetIo()))));
        metrics.add(GaugeSnapshot.builder().name("fulcrum_uptime_seconds").unit(Unit.SECONDS)
            .help("Seconds since the appliance started.")
            .dataPoint(GaugeDataPointSnapshot.builder().value(status.uptimeSeconds()).build()).build());
        metrics.add(gauge("fulcrum_workers", "Data plane worker threads.", List.of(point(status.workers()))));

        services(metrics, services);
        backends(metrics, backends);
        dataPlane(metrics, totals);
        vrrp(metrics, status.vrrp());
        return new MetricSnapshots(metrics);
    }

    private static void services(final List<MetricSnapshot> metrics, final List<Views.Service> services)
    {
        final List<CounterDataPointSnapshot> packets = new ArrayList<>();
        final List<CounterDataPointSnapshot> bytes = new ArrayList<>();
        final List<CounterDataPointSnapshot> newFlows = new ArrayList<>();
        for (final Views.Service service : services)
        {
            final Labels labels = Labels.of("service", service.name(), "vip", service.vip(),
                "port", Integer.toString(service.port()), "protocol", service.protocol());
            packets.add(counterPoint(service.packets(), labels));
            bytes.add(counterPoint(service.bytes(), labels));
            newFlows.add(counterPoint(service.newFlows(), labels));
        }
        metrics.add(counter("fulcrum_service_packets", "Packets forwarded for a service.", packets));
        metrics.add(counter("fulcrum_service_bytes", "Bytes forwarded for a service (before encapsulation).", bytes));
        metrics.add(counter("fulcrum_service_new_flows", "New flows a service scheduled to a backend.", newFlows));
        proxied(metrics, services);
    }

    /**
     * A proxied service's counters, one family per name (fulcrum_proxy_accepted_total, fulcrum_proxy_requests_total,
     * ...); the names starting with {@code active} are levels: gauges without the suffix.
     */
    private static void proxied(final List<MetricSnapshot> metrics, final List<Views.Service> services)
    {
        final Map<String, List<CounterDataPointSnapshot>> totals = new TreeMap<>();
        final Map<String, List<GaugeDataPointSnapshot>> levels = new TreeMap<>();
        for (final Views.Service service : services)
        {
            final Labels labels = Labels.of("service", service.name(), "mode", service.mode());
            for (final Map.Entry<String, Long> counter : service.proxy().entrySet())
            {
                final String name = "fulcrum_proxy_" + snakeCase(counter.getKey());
                if (counter.getKey().startsWith("active"))
                {
                    levels.computeIfAbsent(name, n -> new ArrayList<>()).add(
                        GaugeDataPointSnapshot.builder().value(counter.getValue()).labels(labels).build());
                }
                else
                {
                    totals.computeIfAbsent(name, n -> new ArrayList<>()).add(counterPoint(counter.getValue(), labels));
                }
            }
        }
        totals.forEach((name, points) -> metrics.add(counter(name, "A proxied service's " +
            name.substring("fulcrum_proxy_".length()).replace('_', ' ') + " (see the API's Service.proxy).", points)));
        levels.forEach((name, points) -> metrics.add(gauge(name, "A proxied service's " +
            name.substring("fulcrum_proxy_".length()).replace('_', ' ') + " now.", points)));
    }

    private static String snakeCase(final String camel)
    {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static void backends(final List<MetricSnapshot> metrics, final List<Views.Backend> backends)
    {
        final List<CounterDataPointSnapshot> packets = new ArrayList<>();
        final List<CounterDataPointSnapshot> bytes = new ArrayList<>();
        final List<CounterDataPointSnapshot> newFlows = new ArrayList<>();
        final List<GaugeDataPointSnapshot> weight = new ArrayList<>();
        final List<GaugeDataPointSnapshot> health = new ArrayList<>();
        final List<GaugeDataPointSnapshot> admin = new ArrayList<>();
        final List<GaugeDataPointSnapshot> effective = new ArrayList<>();
        final List<GaugeDataPointSnapshot> active = new ArrayList<>();
        final List<GaugeDataPointSnapshot> latency = new ArrayList<>();
        final List<GaugeDataPointSnapshot> ejected = new ArrayList<>();
        final List<CounterDataPointSnapshot> requests = new ArrayList<>();
        final List<HistogramDataPointSnapshot> responseTimes = new ArrayList<>();
        for (final Views.Backend backend : backends)
        {
            final Labels labels = Labels.of("pool", backend.pool(), "backend", backend.address());
            if (!backend.responseTimes().counts().isEmpty())
            {
                requests.add(counterPoint(backend.requests(), labels));
                responseTimes.add(histogramPoint(backend.responseTimes(), labels));
            }
            active.add(GaugeDataPointSnapshot.builder().value(backend.active()).labels(labels).build());
            latency.add(GaugeDataPointSnapshot.builder().value(backend.latencyMs() / 1000).labels(labels).build());
            ejected.add(GaugeDataPointSnapshot.builder().value(backend.ejected() ? 1 : 0).labels(labels).build());
            packets.add(counterPoint(backend.packets(), labels));
            bytes.add(counterPoint(backend.bytes(), labels));
            newFlows.add(counterPoint(backend.newFlows(), labels));
            weight.add(GaugeDataPointSnapshot.builder().value(backend.weight()).labels(labels).build());
            for (final String state : HEALTH_STATES)
            {
                health.add(statePoint(labels, state, state.equals(backend.health())));
            }
            for (final AdminState state : AdminState.values())
            {
                admin.add(statePoint(labels, state.name().toLowerCase(Locale.ROOT), state == backend.admin()));
            }
            for (final String state : EFFECTIVE_STATES)
            {
                effective.add(statePoint(labels, state, state.equals(backend.effective())));
            }
        }
        metrics.add(counter("fulcrum_backend_packets", "Packets forwarded to a backend.", packets));
        metrics.add(counter("fulcrum_backend_bytes", "Bytes forwarded to a backend (before encapsulation).", bytes));
        metrics.add(counter("fulcrum_backend_new_flows", "New flows scheduled to a backend.", newFlows));
        metrics.add(gauge("fulcrum_backend_weight", "A backend's current weight.", weight));
        metrics.add(gauge("fulcrum_backend_health",
            "1 for the backend's health check state (up, down, unknown, unchecked), 0 for the others.", health));
        metrics.add(gauge("fulcrum_backend_admin_state",
            "1 for the state the operator set (enabled, draining, disabled), 0 for the others.", admin));
        metrics.add(gauge("fulcrum_backend_effective_state",
            "1 for what the data plane does with the backend (active, draining, down), 0 for the others.", effective));
        metrics.add(gauge("fulcrum_backend_proxy_active", "Connections or requests the proxy has open to a backend.",
            active));
        metrics.add(gauge("fulcrum_backend_proxy_latency_seconds",
            "The proxy's peak-EWMA latency of a backend's answers (what least-response-time compares).", latency));
        metrics.add(gauge("fulcrum_backend_ejected", "1 while passive health keeps the backend ejected.", ejected));
        metrics.add(counter("fulcrum_backend_proxy_requests", "HTTP requests the proxy sent a backend (each attempt "
            + "of a retried one).", requests));
        final HistogramSnapshot.Builder histogram = HistogramSnapshot.builder()
            .name("fulcrum_backend_response_time_seconds").unit(Unit.SECONDS)
            .help("How fast a backend answered the HTTP proxy: request headers sent to response headers read.");
        responseTimes.forEach(histogram::dataPoint);
        metrics.add(histogram.build());
    }

    /** Per-bucket counts as Views.ResponseTimes keeps them; the snapshot adds the +Inf bound and sums them up. */
    private static HistogramDataPointSnapshot histogramPoint(final Views.ResponseTimes times, final Labels labels)
    {
        final double[] bounds = new double[times.counts().size()];
        final long[] counts = new long[times.counts().size()];
        for (int i = 0; i < bounds.length; i++)
        {
            bounds[i] = i < times.upperBoundsSeconds().size() ? times.upperBoundsSeconds().get(i)
                : Double.POSITIVE_INFINITY;
            counts[i] = times.counts().get(i);
        }
        return HistogramDataPointSnapshot.builder().classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
            .sum(times.sumSeconds()).labels(labels).build();
    }

    /** Connection-state sync, when it is configured (its counters exist only then). */
    private static void sync(final List<MetricSnapshot> metrics, final CounterTotals totals)
    {
        if (totals.value(CounterType.SYNC, SyncCounters.MEMORY_BYTES) == 0)
        {
            return;
        }
        final List<CounterDataPointSnapshot> events = new ArrayList<>();
        for (int which = 0; which < SyncCounters.COUNT; which++)
        {
            if (which != SyncCounters.ROLE && which != SyncCounters.MEMORY_BYTES &&
                which != SyncCounters.MAX_BYTES_PER_SECOND)
            {
                events.add(counterPoint(totals.value(CounterType.SYNC, which),
                    Labels.of("event", SyncCounters.name(which).replaceAll("[^a-z]+", "_").replaceAll("_$", ""))));
            }
        }
        metrics.add(counter("fulcrum_sync_events", "Connection-state sync: records, datagrams and bytes sent and "
            + "received, retransmissions, resyncs, and what was refused, by event.", events));
        metrics.add(counter("fulcrum_sync_ring_dropped_records", "Flow changes the workers dropped because their "
            + "sync ring was full (repaired by a resync).",
            List.of(counterPoint(totals.total(CounterType.SYNC_RING_DROPPED), Labels.EMPTY))));
        metrics.add(gauge("fulcrum_sync_role", "Sync role: 0 off, 1 master (sends), 2 backup (receives).",
            List.of(point(totals.value(CounterType.SYNC, SyncCounters.ROLE)))));
        metrics.add(gauge("fulcrum_sync_memory_bytes", "Off-heap memory sync uses: rings, retransmit and reorder "
            + "buffers.", List.of(point(totals.value(CounterType.SYNC, SyncCounters.MEMORY_BYTES)))));
        metrics.add(gauge("fulcrum_sync_max_bytes_per_second", "The bandwidth sync may use.",
            List.of(point(totals.value(CounterType.SYNC, SyncCounters.MAX_BYTES_PER_SECOND)))));
    }

    private static void dataPlane(final List<MetricSnapshot> metrics, final CounterTotals totals)
    {
        metrics.add(counter("fulcrum_rx_packets", "Frames received by the data plane workers.",
            List.of(counterPoint(totals.total(CounterType.WORKER_RX_PACKETS), Labels.EMPTY))));
        metrics.add(counter("fulcrum_tx_packets", "Frames transmitted by the data plane workers.",
            List.of(counterPoint(totals.total(CounterType.WORKER_TX_PACKETS), Labels.EMPTY))));
        metrics.add(counter("fulcrum_passed_to_host_packets", "Frames passed to the host's network stack.",
            List.of(counterPoint(totals.total(CounterType.WORKER_PASS_PACKETS), Labels.EMPTY))));
        metrics.add(counter("fulcrum_flow_evictions", "Flows evicted because the connection table was full.",
            List.of(counterPoint(totals.total(CounterType.WORKER_FLOW_EVICTIONS), Labels.EMPTY))));
        metrics.add(counter("fulcrum_icmp_too_big_sent", "ICMP too-big / fragmentation-needed messages sent.",
            List.of(counterPoint(totals.total(CounterType.WORKER_ICMP_TOO_BIG_SENT), Labels.EMPTY))));
        final List<CounterDataPointSnapshot> drops = new ArrayList<>();
        for (int reason = 0; reason < DropReason.COUNT; reason++)
        {
            drops.add(counterPoint(totals.value(CounterType.WORKER_DROP, reason),
                Labels.of("reason", DropReason.name(reason).replace(' ', '_'))));
        }
        metrics.add(counter("fulcrum_dropped_packets", "Frames the data plane dropped, by reason.", drops));
        metrics.add(gauge("fulcrum_active_flows", "Flows in the connection tables of all workers.",
            List.of(point(totals.total(CounterType.WORKER_ACTIVE_FLOWS)))));
        final long busy = totals.total(CounterType.WORKER_BUSY_CYCLES);
        final long idle = totals.total(CounterType.WORKER_IDLE_CYCLES);
        metrics.add(counter("fulcrum_worker_busy_cycles", "Worker duty cycles that did work (all workers).",
            List.of(counterPoint(busy, Labels.EMPTY))));
        metrics.add(counter("fulcrum_worker_idle_cycles", "Worker duty cycles that found nothing to do (all workers).",
            List.of(counterPoint(idle, Labels.EMPTY))));
        metrics.add(counter("fulcrum_worker_stalled_cycles", "Worker duty cycles longer than 1 ms (all workers).",
            List.of(counterPoint(totals.total(CounterType.WORKER_STALLED_CYCLES), Labels.EMPTY))));
        final List<GaugeDataPointSnapshot> longest = new ArrayList<>();
        for (final CounterTotals.Row row : totals.ofType(CounterType.WORKER_LONGEST_CYCLE_NS))
        {
            longest.add(point(row.value() / 1e9, "worker", Long.toString(row.ownerId())));
        }
        metrics.add(gauge("fulcrum_worker_longest_cycle_seconds", "The longest duty cycle of each worker since start.",
            longest));
        metrics.add(counter("fulcrum_agent_errors", "Exceptions the workers' and the sync agent's duty cycles threw "
            + "(each distinct one: fulcrum stat).",
            List.of(counterPoint(totals.total(CounterType.AGENT_ERRORS), Labels.EMPTY))));
        sync(metrics, totals);
        metrics.add(gauge("fulcrum_worker_busy_ratio", "Busy over all duty cycles since start, all workers (0 to 1); "
            + "for a recent ratio use rate(busy) / (rate(busy) + rate(idle)).",
            List.of(point(busy + idle == 0 ? 0 : (double)busy / (busy + idle)))));
    }

    /** The label is {@code vrrp_instance}: {@code instance} is the label Prometheus gives every scrape target. */
    private static void vrrp(final List<MetricSnapshot> metrics, final List<Views.Vrrp> instances)
    {
        final List<GaugeDataPointSnapshot> state = new ArrayList<>();
        final List<GaugeDataPointSnapshot> priority = new ArrayList<>();
        for (final Views.Vrrp vrrp : instances)
        {
            final Labels labels = Labels.of("vrrp_instance", vrrp.instance(), "vrid", Integer.toString(vrrp.vrid()));
            final String current = vrrp.state().toLowerCase(Locale.ROOT);
            for (final String name : VRRP_STATES)
            {
                state.add(statePoint(labels, name, name.equals(current)));
            }
            if (!VRRP_STATES.contains(current))
            {
                state.add(statePoint(labels, current, true));
            }
            priority.add(GaugeDataPointSnapshot.builder().value(vrrp.priority()).labels(labels).build());
        }
        metrics.add(gauge("fulcrum_vrrp_state",
            "1 for a VRRP instance's current state (initialize, backup, master, fault), 0 for the others.", state));
        metrics.add(gauge("fulcrum_vrrp_priority", "A VRRP instance's priority.", priority));
    }

    private static CounterSnapshot counter(final String name, final String help,
        final List<CounterDataPointSnapshot> points)
    {
        final CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
        points.forEach(builder::dataPoint);
        return builder.build();
    }

    private static GaugeSnapshot gauge(final String name, final String help, final List<GaugeDataPointSnapshot> points)
    {
        final GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(builder::dataPoint);
        return builder.build();
    }

    private static CounterDataPointSnapshot counterPoint(final long value, final Labels labels)
    {
        return CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static GaugeDataPointSnapshot point(final double value, final String... labels)
    {
        return GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }

    private static GaugeDataPointSnapshot statePoint(final Labels labels, final String state, final boolean current)
    {
        return GaugeDataPointSnapshot.builder().value(current ? 1 : 0).labels(labels.add("state", state)).build();
    }
}
