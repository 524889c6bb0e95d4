package io.fulcrum.controlplane.daemon;

import io.fulcrum.controlplane.config.BackendIds;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.controlplane.config.PoolConfig;
import io.fulcrum.controlplane.config.ProxyConfig;
import io.fulcrum.controlplane.config.ServiceConfig;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.proxy.http.BackendRequestCounters;
import io.fulcrum.proxy.http.HttpProxyCounters;
import io.fulcrum.proxy.http.ResponseTimeHistogram;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.transport.EventLoops;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The running configuration's services of mode tcp, http and udp, on the proxy's event loops. {@link #apply} follows
 * every change the packet data plane follows (a reload, an operator action, a health verdict): a service whose
 * settings stayed only gets its backends republished, so its open connections are untouched; one whose settings
 * changed is restarted; one that went away is stopped.
 */
final class ProxyServices implements AutoCloseable
{
    private final EventLog log;
    /** By backend id: open work and latency outlive a scheduler, a republish and a reload. */
    private final Map<Integer, BackendLoad> loads = new ConcurrentHashMap<>();
    private final Map<String, ProxiedService> running = new LinkedHashMap<>();
    private EventLoops loops;
    private ProxyConfig loopsConfig;

    ProxyServices(final EventLog log)
    {
        this.log = log;
    }

    /**
     * @throws IllegalStateException when a listener cannot be bound or the transport cannot run; services already
     *                               applied stay as they are
     */
    synchronized void apply(final FulcrumConfig config, final BackendStates states, final BackendIds ids)
    {
        final Map<String, ServiceConfig> wanted = new LinkedHashMap<>();
        for (final ServiceConfig service : config.services())
        {
            if (service.mode().proxied())
            {
                wanted.put(service.name(), service);
            }
        }
        for (final var it = running.entrySet().iterator(); it.hasNext(); )
        {
            final var entry = it.next();
            final ServiceConfig now = wanted.get(entry.getKey());
            if (now == null || !now.equals(entry.getValue().config()))
            {
                entry.getValue().stop();
                it.remove();
                log.event("proxy-stopped", "proxy service " + entry.getKey() + " stopped" +
                    (now == null ? "" : " to restart with its new settings"), "service", entry.getKey());
            }
        }
        if (wanted.isEmpty())
        {
            return;
        }
        openLoops(config.proxy());
        for (final ServiceConfig service : wanted.values())
        {
            ProxiedService proxied = running.get(service.name());
            if (proxied == null)
            {
                proxied = ProxiedService.of(service);
                publish(proxied, config, states, ids);
                proxied.start(loops);
                running.put(service.name(), proxied);
                log.event("proxy-started", "proxy service " + service.name() + " (" + service.mode().yamlName() +
                    ", " + service.scheduler().yamlName() + ") listening on " + hostAndPort(proxied.localAddress()) + " over " +
                    loops.kind().yamlName(), "service", service.name(), "mode", service.mode().yamlName(),
                    "transport", loops.kind().yamlName());
            }
            else
            {
                publish(proxied, config, states, ids);
            }
        }
    }

    /** Backends, with their states, weights and loads, into the service's backend sets (its pool, its routes'). */
    private void publish(final ProxiedService proxied, final FulcrumConfig config, final BackendStates states,
        final BackendIds ids)
    {
        final ServiceConfig service = proxied.config();
        for (final Map.Entry<String, BackendSet> pool : proxied.backendSets().entrySet())
        {
            final PoolConfig poolConfig = config.pool(pool.getKey()).orElseThrow(() -> new IllegalArgumentException(
                "service " + service.name() + ": no pool named " + pool.getKey()));
            final List<Candidate> candidates = new ArrayList<>();
            final Map<Integer, InetSocketAddress> addresses = new HashMap<>();
            for (final Backend backend : states.backends(poolConfig, ids))
            {
                candidates.add(new Candidate(backend, loads.computeIfAbsent(backend.id(), id -> new BackendLoad())));
                addresses.put(backend.id(), new InetSocketAddress(backend.address(), service.backendPort()));
            }
            pool.getValue().publish(candidates, all -> service.scheduler().build(all, service.maglevTableSize()),
                addresses);
        }
    }

    private void openLoops(final ProxyConfig config)
    {
        if (loops == null)
        {
            loops = EventLoops.open(config.transport(), config.loops());
            loopsConfig = config;
            log.event("proxy-loops", "proxy on " + loops.kind().yamlName() + ", " + config.loops().size() +
                " event loop(s)", "transport", loops.kind().yamlName(), "loops", config.loops().size());
        }
        else if (!config.equals(loopsConfig))
        {
            log.event("restart-needed", "proxy settings changed; they take effect at the next restart");
        }
    }

    private static String hostAndPort(final InetSocketAddress address)
    {
        final String host = IpLiterals.format(address.getAddress());
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The running proxied services, by name. */
    synchronized Map<String, ProxiedService> services()
    {
        return Map.copyOf(running);
    }

    /** The load the schedulers see for a backend, or null when no proxied service has used it. */
    BackendLoad load(final int backendId)
    {
        return loads.get(backendId);
    }

    /**
     * What the http services sent a backend and how fast it answered, summed over the services that use it (a pool
     * can serve several); {@link BackendRequests#NONE} when none has sent it a request.
     */
    synchronized BackendRequests requests(final int backendId)
    {
        long requests = 0;
        long sumMicros = 0;
        long[] counts = null;
        for (final ProxiedService service : running.values())
        {
            if (service.counters() instanceof HttpProxyCounters http &&
                http.backends().get(backendId) instanceof BackendRequestCounters backend)
            {
                requests += backend.requests();
                sumMicros += backend.responseTimes().sumMicros();
                final long[] own = backend.responseTimes().counts();
                if (counts == null)
                {
                    counts = own;
                }
                else
                {
                    for (int i = 0; i < counts.length; i++)
                    {
                        counts[i] += own[i];
                    }
                }
            }
        }
        if (counts == null)
        {
            return BackendRequests.NONE;
        }
        final List<Double> bounds = new ArrayList<>();
        for (final long micros : ResponseTimeHistogram.upperBoundsMicros())
        {
            bounds.add(micros / 1e6);
        }
        return new BackendRequests(requests, new Views.ResponseTimes(Arrays.stream(counts).sum(), sumMicros / 1e6,
            bounds, Arrays.stream(counts).boxed().toList()));
    }

    /** A backend's requests and response times as {@link Views.Backend} shows them. */
    record BackendRequests(long requests, Views.ResponseTimes responseTimes)
    {
        static final BackendRequests NONE = new BackendRequests(0, Views.ResponseTimes.NONE);
    }

    /** Whether a proxied service ejected the backend of {@code pool} (passive health). */
    synchronized boolean ejected(final String pool, final int backendId)
    {
        for (final ProxiedService service : running.values())
        {
            final BackendSet set = service.backendSets().get(pool);
            if (set != null && set.ejections().stream().anyMatch(ejection -> ejection.backendId() == backendId))
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close()
    {
        for (final ProxiedService service : running.values())
        {
            service.stop();
        }
        running.clear();
        if (loops != null)
        {
            loops.close();
            loops = null;
        }
    }
}
