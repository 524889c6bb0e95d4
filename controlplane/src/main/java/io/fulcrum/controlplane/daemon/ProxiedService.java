package io.fulcrum.controlplane.daemon;

import io.fulcrum.controlplane.config.ProxyOptions;
import io.fulcrum.controlplane.config.ServiceConfig;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.tcp.TcpProxyService;
import io.fulcrum.proxy.tcp.TcpProxySettings;
import io.fulcrum.proxy.transport.EventLoops;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One service of mode tcp, http or udp: the proxy's listener for it and the backend sets it picks from, one per pool
 * it names (its own and, for http, its routes').
 */
final class ProxiedService
{
    private final ServiceConfig config;
    private final Map<String, BackendSet> backendSets;
    private final TcpProxyService tcp;

    private ProxiedService(final ServiceConfig config, final Map<String, BackendSet> backendSets,
        final TcpProxyService tcp)
    {
        this.config = config;
        this.backendSets = backendSets;
        this.tcp = tcp;
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
            case TCP -> new ProxiedService(config, sets, new TcpProxyService(TcpProxySettings.of(config.name(), listen)
                .withConnectTimeout(options.connectTimeout())
                .withIdleTimeout(options.idleTimeout())
                .withConnectRetries(options.retries())
                .withProxyProtocol(options.proxyProtocol())
                .withMaxConnections(options.maxConnections()), own));
            case HTTP, UDP -> throw new IllegalStateException("service " + config.name() + ": mode " +
                config.mode().yamlName() + " is not available in this build yet");
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
        tcp.start(loops);
    }

    InetSocketAddress localAddress()
    {
        return tcp.localAddress();
    }

    void stop()
    {
        tcp.stop();
    }

    TcpProxyService tcp()
    {
        return tcp;
    }
}
