package io.fulcrum.controlplane.daemon;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fulcrum.controlplane.FulcrumBuild;
import io.fulcrum.controlplane.config.BackendIds;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.controlplane.config.PoolConfig;
import io.fulcrum.controlplane.config.RouteConfig;
import io.fulcrum.controlplane.config.ServiceConfig;
import io.fulcrum.controlplane.health.HealthChecker;
import io.fulcrum.controlplane.health.HealthStatus;
import io.fulcrum.dataplane.Dataplane;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.sync.SyncAgent;
import io.fulcrum.dataplane.sync.SyncCounters;

/**
 * The {@link Views} of a running appliance, read from its data plane, counters file, backend states, health checker
 * and VRRP pair. What a reload replaces (the configuration and the published services) is passed in by the caller,
 * which holds them consistent.
 */
final class ApplianceViews
{
    /** A worker whose duty cycles stood still this long makes the appliance unhealthy. */
    static final Duration HEALTH_STALL_LIMIT = Duration.ofSeconds(5);

    private final Dataplane dataplane;
    private final String packetIo;
    private final BackendStates states;
    private final CountersFile counters;
    private final WorkerProgress workers;
    private final Instant started = Instant.now();

    /**
     * @param packetIo the packet I/O mode the ports run in
     * @param workers  the workers' duty cycles, tracked with {@link #HEALTH_STALL_LIMIT}
     */
    ApplianceViews(final Dataplane dataplane, final String packetIo, final BackendStates states,
        final CountersFile counters, final WorkerProgress workers)
    {
        this.dataplane = dataplane;
        this.packetIo = packetIo;
        this.states = states;
        this.counters = counters;
        this.workers = workers;
    }

    /** @param vrrp null without VRRP */
    Views.Status status(final FulcrumConfig running, final VrrpPair vrrp)
    {
        return new Views.Status(FulcrumBuild.version(), started, Duration.between(started, Instant.now()).toSeconds(),
            running.source().toString(), packetIo, dataplane.workers().size(),
            vrrp == null ? List.of() : vrrp.views(), sync(running));
    }

    private Views.Sync sync(final FulcrumConfig running)
    {
        final SyncAgent sync = dataplane.sync();
        if (sync == null)
        {
            return Views.Sync.OFF;
        }
        final SyncCounters c = sync.counters();
        final CounterTotals totals = counters();
        final String peer = running.sync().map(s -> s.peer().getAddress().getHostAddress() + ":" + s.peer().getPort())
            .orElse("");
        return new Views.Sync(true, sync.role().name().toLowerCase(), peer, c.value(SyncCounters.RECORDS_SENT),
            c.value(SyncCounters.RECORDS_INSTALLED),
            c.value(SyncCounters.RESYNCS_COMPLETED),
            c.value(SyncCounters.REFUSED_AUTHENTICATION)
                + c.value(SyncCounters.REFUSED_REPLAY)
                + c.value(SyncCounters.REFUSED_STALE_SESSION)
                + c.value(SyncCounters.MALFORMED),
            totals.total(CounterType.SYNC_RING_DROPPED),
            c.value(SyncCounters.MEMORY_BYTES),
            c.value(SyncCounters.MAX_BYTES_PER_SECOND));
    }

    /** @param vrrp null without VRRP */
    Views.Health health(final VrrpPair vrrp)
    {
        final List<String> problems = new ArrayList<>();
        if (dataplane.workers().isEmpty())
        {
            problems.add("the data plane has no workers");
        }
        final List<Integer> stalled = workers.stalled();
        if (!stalled.isEmpty())
        {
            problems.add("data-plane worker(s) " + stalled + " finished no duty cycle for "
                + HEALTH_STALL_LIMIT.toSeconds() + " s");
        }
        if (vrrp != null)
        {
            for (final Views.Vrrp instance : vrrp.views())
            {
                if (!instance.state().equals("master") && !instance.state().equals("backup"))
                {
                    problems.add("VRRP instance " + instance.instance() + " is " + instance.state());
                }
            }
        }
        return new Views.Health(problems.isEmpty(), FulcrumBuild.version(), problems);
    }

    /**
     * @param published the services as last published, in the order of {@code running}'s services
     * @param health    null before health checks start
     */
    List<Views.Service> services(final FulcrumConfig running, final List<Service> published,
        final HealthChecker health, final ProxyServices proxies)
    {
        final CounterTotals totals = counters();
        final List<Views.Service> views = new ArrayList<>();
        for (int i = 0; i < published.size(); i++)
        {
            final Service service = published.get(i);
            final ServiceConfig config = running.services().get(i);
            final List<Views.Backend> backends = new ArrayList<>();
            for (final Backend backend : service.backends())
            {
                backends.add(backend(config.pool(), backend, totals, health, proxies));
            }
            final ProxiedService proxied = proxies.services().get(config.name());
            views.add(new Views.Service(service.name(), IpLiterals.format(service.vip()), service.port(),
                service.protocol() == Service.TCP ? "tcp" : "udp", service.encapsulation().name().toLowerCase(),
                config.pool(), totals.value(CounterType.SERVICE_PACKETS, service.id()),
                totals.value(CounterType.SERVICE_BYTES, service.id()),
                totals.value(CounterType.SERVICE_NEW_FLOWS, service.id()), backends, config.mode().yamlName(),
                config.scheduler().yamlName(), proxied == null ? Map.of() : ProxyCounterViews.of(proxied.counters())));
        }
        return views;
    }

    /**
     * Every backend once, as {@link #services} lists them, then those of pools only an http route names; a pool
     * shared by two services shows its backends once.
     */
    List<Views.Backend> backends(final FulcrumConfig running, final List<Service> published,
        final HealthChecker health, final ProxyServices proxies, final BackendIds ids)
    {
        final CounterTotals totals = counters();
        final List<Views.Backend> views = new ArrayList<>();
        final Set<BackendStates.Key> seen = new HashSet<>();
        for (int i = 0; i < published.size(); i++)
        {
            final String pool = running.services().get(i).pool();
            for (final Backend backend : published.get(i).backends())
            {
                if (seen.add(new BackendStates.Key(pool, backend.address())))
                {
                    views.add(backend(pool, backend, totals, health, proxies));
                }
            }
        }
        for (final ServiceConfig service : running.services())
        {
            for (final RouteConfig route : service.proxy().routes())
            {
                final PoolConfig pool = running.pool(route.pool()).orElseThrow();
                for (final Backend backend : states.backends(pool, ids))
                {
                    if (seen.add(new BackendStates.Key(pool.name(), backend.address())))
                    {
                        views.add(backend(pool.name(), backend, totals, health, proxies));
                    }
                }
            }
        }
        return views;
    }

    private Views.Backend backend(final String pool, final Backend backend, final CounterTotals totals,
        final HealthChecker health, final ProxyServices proxies)
    {
        final BackendStates.Key key = new BackendStates.Key(pool, backend.address());
        final BackendLoad load = proxies.load(backend.id());
        final ProxyServices.BackendRequests requests = proxies.requests(backend.id());
        return new Views.Backend(pool, IpLiterals.format(backend.address()), backend.weight(), states.admin(key),
            states.health(key), backend.state().name().toLowerCase(), healthHistory(key, health),
            totals.value(CounterType.BACKEND_PACKETS, backend.id()), totals.value(CounterType.BACKEND_BYTES,
            backend.id()), totals.value(CounterType.BACKEND_NEW_FLOWS, backend.id()),
            load == null ? 0 : load.active(), load == null ? 0 : load.latencyNanos() / 1e6,
            proxies.ejected(pool, backend.id()), requests.requests(), requests.responseTimes());
    }

    /** Recent health results of a backend, oldest first; none when its pool has no health check. */
    private static List<Views.HealthResult> healthHistory(final BackendStates.Key key, final HealthChecker health)
    {
        final HealthStatus status = health == null ? null : health.status(key.pool(), key.address());
        if (status == null)
        {
            return List.of();
        }
        return status.history().stream()
            .map(result -> new Views.HealthResult(result.at(), result.ok(), result.millis(), result.detail()))
            .toList();
    }

    CounterTotals counters()
    {
        return CounterTotals.read(counters.reader());
    }
}
