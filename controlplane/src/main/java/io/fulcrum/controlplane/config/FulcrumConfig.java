package io.fulcrum.controlplane.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole appliance's configuration: replay, the live daemon and the image all read this one file through
 * {@link ConfigLoader}. Immutable; a reload builds a new one.
 *
 * @param source   the file it was read from
 * @param services in file order (their position is their data-plane id, see {@link ServiceModel})
 * @param pools    in file order
 * @param api      the management API's listener, when the file has an {@code api} section
 * @param vrrp     VRRP instances (empty: a standalone appliance)
 * @param sync     connection-state sync with the pair's other appliance, when the file has a {@code sync} section
 * @param proxy    the event loops of the tcp, http and udp services
 */
public record FulcrumConfig(Path source, DataplaneConfig dataplane, List<ServiceConfig> services, List<PoolConfig> pools,
    Optional<ApiConfig> api, List<VrrpInstanceConfig> vrrp, Optional<SyncConfig> sync, ProxyConfig proxy)
{
    public FulcrumConfig(final Path source, final DataplaneConfig dataplane, final List<ServiceConfig> services,
        final List<PoolConfig> pools, final Optional<ApiConfig> api, final List<VrrpInstanceConfig> vrrp)
    {
        this(source, dataplane, services, pools, api, vrrp, Optional.empty(), ProxyConfig.DEFAULT);
    }

    public FulcrumConfig
    {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(dataplane, "dataplane");
        services = List.copyOf(services);
        pools = List.copyOf(pools);
        Objects.requireNonNull(api, "api");
        vrrp = List.copyOf(vrrp);
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(proxy, "proxy");
    }

    /** True when a service of mode tcp, http or udp needs the proxy's event loops. */
    public boolean proxies()
    {
        return services.stream().anyMatch(service -> service.mode().proxied());
    }

    public Optional<PoolConfig> pool(final String name)
    {
        for (final PoolConfig pool : pools)
        {
            if (pool.name().equals(name))
            {
                return Optional.of(pool);
            }
        }
        return Optional.empty();
    }

    /** Backends over all pools, each counted once per pool it is in. */
    public int backendCount()
    {
        int count = 0;
        for (final PoolConfig pool : pools)
        {
            count += pool.backends().size();
        }
        return count;
    }
}
