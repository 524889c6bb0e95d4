package io.fulcrum.controlplane.daemon;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fulcrum.controlplane.config.ProxyOptions;
import io.fulcrum.controlplane.config.RouteConfig;
import io.fulcrum.controlplane.config.ServiceConfig;
import io.fulcrum.proxy.ProxyListener;
import io.fulcrum.proxy.http.BackendOutcomes;
import io.fulcrum.proxy.http.HttpProxyService;
import io.fulcrum.proxy.http.HttpProxySettings;
import io.fulcrum.proxy.http.HttpRoute;
import io.fulcrum.proxy.http.HttpTimeouts;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.tcp.TcpProxyService;
import io.fulcrum.proxy.tcp.TcpProxySettings;
import io.fulcrum.proxy.transport.EventLoops;
import io.fulcrum.proxy.udp.UdpProxyService;
import io.fulcrum.proxy.udp.UdpProxySettings;

/**
 * One service of mode tcp, http or udp: the proxy's listener for it and the backend sets it picks from, one per pool
 * it names (its own and, for http, its routes').
 */
final class ProxiedService
{
    private final ServiceConfig config;
    private final Map<String, BackendSet> backendSets;
    private final ProxyListener listener;
    /** The mode's own counters: TcpProxyCounters, UdpProxyCounters or HttpProxyCounters. */
    private final Object counters;

    private ProxiedService(final ServiceConfig config, final Map<String, BackendSet> backendSets,
        final ProxyListener listener, final Object counters)
    {
        this.config = config;
        this.backendSets = backendSets;
        this.listener = listener;
        this.counters = counters;
    }


    static ProxiedService of(final ServiceConfig config)
    {
        final Map<String, BackendSet> sets = new LinkedHashMap<>();
        final BackendSet own = new BackendSet();
        sets.put(config.pool(), own);
        final InetSocketAddress listen = new InetSocketAddress(config.vip(), config.port());
        final ProxyOptions options = config.proxy();
        return switch (config.mode())
        {
            case TCP ->
            {
                final TcpProxyService tcp = new TcpProxyService(TcpProxySettings.of(config.name(), listen)
                    .withConnectTimeout(options.connectTimeout())
                    .withIdleTimeout(options.idleTimeout())
                    .withConnectRetries(options.retries())
                    .withProxyProtocol(options.proxyProtocol())
                    .withMaxConnections(options.maxConnections()), own);
                yield new ProxiedService(config, sets, tcp, tcp.counters());
            }
            case UDP ->
            {
                final UdpProxyService udp = new UdpProxyService(UdpProxySettings.of(config.name(), listen)
                    .withIdleTimeout(options.idleTimeout()), own);
                yield new ProxiedService(config, sets, udp, udp.counters());
            }
            case HTTP ->
            {
                final List<HttpRoute> routes = new ArrayList<>();
                for (final RouteConfig route : options.routes())
                {
                    routes.add(new HttpRoute(route.host().orElse(null), route.pathPrefix(),
                        sets.computeIfAbsent(route.pool(), pool -> new BackendSet())));
                }
                final HttpTimeouts timeouts = new HttpTimeouts(options.requestHeaderTimeout(),
                    options.connectTimeout(), options.responseTimeout(), options.idleTimeout(),
                    HttpTimeouts.DEFAULTS.backendIdle());
                final HttpProxyService http = new HttpProxyService(new HttpProxySettings(config.name(), listen, routes,
                    own, timeouts, HttpProxySettings.DEFAULT_MAX_HEADER_SIZE, HttpProxySettings.DEFAULT_MAX_REQUEST_LINE,
                    options.retries(), options.forwardedHeaders()), BackendOutcomes.PASSIVE_HEALTH);
                yield new ProxiedService(config, sets, http, http.counters());
            }
            case DSR -> throw new IllegalArgumentException("service " + config.name() + " is a dsr service");
        };
    }

    ServiceConfig config()
    {
        return config;
    }

    /** By pool name. */
    Map<String, BackendSet> backendSets()
    {
        return backendSets;
    }

    void start(final EventLoops loops)
    {
        listener.start(loops);
    }

    InetSocketAddress localAddress()
    {
        return listener.localAddress();
    }

    void stop()
    {
        listener.stop();
    }

    /** TcpProxyCounters, UdpProxyCounters or HttpProxyCounters, by the service's mode. */
    Object counters()
    {
        return counters;
    }
}
