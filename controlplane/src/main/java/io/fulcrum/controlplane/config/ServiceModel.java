package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Service;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a configuration into the data plane's service model. Service ids are positions in the file; backend ids come
 * from a {@link BackendIds} that outlives reloads. Every backend starts {@link BackendState#ACTIVE}: health checks,
 * when they exist, change that at run time, not the file.
 */
public final class ServiceModel
{
    private ServiceModel()
    {
    }

    /** For a single load (replay, {@code config check}): ids from a fresh registry. */
    public static List<Service> services(final FulcrumConfig config)
    {
        return services(config, new BackendIds());
    }

    /**
     * @param ids the daemon's registry, the same one on every reload
     * @throws IllegalArgumentException if a service names a pool the configuration does not have; cannot happen for a
     *                                  configuration from {@link ConfigLoader}, which checks references
     */
    public static List<Service> services(final FulcrumConfig config, final BackendIds ids)
    {
        // Pools first, in file order, so ids on a first load do not depend on which services use which pool.
        for (final PoolConfig pool : config.pools())
        {
            for (final BackendConfig backend : pool.backends())
            {
                ids.idOf(pool.name(), backend.address());
            }
        }
        final List<Service> services = new ArrayList<>(config.services().size());
        for (int i = 0; i < config.services().size(); i++)
        {
            final ServiceConfig service = config.services().get(i);
            final PoolConfig pool = config.pool(service.pool()).orElseThrow(() -> new IllegalArgumentException(
                "service " + service.name() + ": no pool named " + service.pool()));
            services.add(new Service(i, service.name(), service.vip(), service.port(), service.protocol().number(),
                service.forwarding(), service.scheduler(), service.maglevTableSize(), backends(pool, ids)));
        }
        return services;
    }

    /** The backends of {@code pool}, all {@link BackendState#ACTIVE}, with their ids from {@code ids}. */
    public static List<Backend> backends(final PoolConfig pool, final BackendIds ids)
    {
        final List<Backend> backends = new ArrayList<>(pool.backends().size());
        for (final BackendConfig backend : pool.backends())
        {
            backends.add(new Backend(ids.idOf(pool.name(), backend.address()), backend.address(), backend.weight(),
                BackendState.ACTIVE, backend.mac()));
        }
        return backends;
    }
}
