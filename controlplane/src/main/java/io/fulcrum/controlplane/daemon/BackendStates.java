package io.fulcrum.controlplane.daemon;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.fulcrum.controlplane.config.BackendConfig;
import io.fulcrum.controlplane.config.BackendIds;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.PoolConfig;
import io.fulcrum.controlplane.config.ServiceModel;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Service;

/**
 * What decides a backend's fate besides the file: the operator's admin state and weight, and the health check.
 * Kept per (pool, address) across reloads, so a reload neither re-enables a disabled backend nor forgets a failed
 * one; a weight set by the operator lasts until the next reload (the file is the source of weights).
 */
final class BackendStates
{
    /** Health as the API shows it. */
    static final String UP = "up";
    static final String DOWN = "down";
    static final String UNKNOWN = "unknown";
    static final String UNCHECKED = "unchecked";

    record Key(String pool, InetAddress address)
    {
    }

    private final Map<Key, AdminState> admin = new ConcurrentHashMap<>();
    private final Map<Key, Integer> weights = new ConcurrentHashMap<>();
    private final Map<Key, String> health = new ConcurrentHashMap<>();

    AdminState admin(final Key key)
    {
        return admin.getOrDefault(key, AdminState.ENABLED);
    }

    void admin(final Key key, final AdminState state)
    {
        admin.put(key, state);
    }

    void weight(final Key key, final int weight)
    {
        weights.put(key, weight);
    }

    String health(final Key key)
    {
        return health.getOrDefault(key, UNCHECKED);
    }

    void health(final Key key, final String state)
    {
        health.put(key, state);
    }

    /** A reload: operator weights give way to the file's. */
    void clearWeights()
    {
        weights.clear();
    }

    /** Forgets health of backends the configuration no longer has (their checks stopped). */
    void retainHealth(final java.util.Set<Key> present)
    {
        health.keySet().retainAll(present);
        admin.keySet().retainAll(present);
    }

    /**
     * The data plane's model of {@code config} with every backend's state and weight as decided here: disabled or
     * failing its health check is DOWN (no traffic, its flows move), draining keeps its flows but gets no new ones.
     * A backend whose check has not answered yet is treated as up, so a restart does not black-hole traffic.
     */
    List<Service> services(final FulcrumConfig config, final BackendIds ids)
    {
        final List<Service> model = ServiceModel.services(config, ids);
        final List<Service> result = new ArrayList<>(model.size());
        for (int i = 0; i < model.size(); i++)
        {
            final Service service = model.get(i);
            result.add(service.withBackends(decided(config.services().get(i).pool(), service.backends())));
        }
        return result;
    }

    /** The backends of {@code pool} (an http service's route may name any pool) with their states as decided here. */
    List<Backend> backends(final PoolConfig pool, final BackendIds ids)
    {
        return decided(pool.name(), ServiceModel.backends(pool, ids));
    }

    private List<Backend> decided(final String pool, final List<Backend> fromFile)
    {
        final List<Backend> backends = new ArrayList<>(fromFile.size());
        for (final Backend backend : fromFile)
        {
            final Key key = new Key(pool, backend.address());
            backends.add(backend.withState(effective(admin(key), health(key)))
                .withWeight(weights.getOrDefault(key, backend.weight())));
        }
        return backends;
    }

    /** How many of the pool's backends take new flows: active (enabled, not failing its check) with a weight. */
    int healthy(final PoolConfig pool)
    {
        int healthy = 0;
        for (final BackendConfig backend : pool.backends())
        {
            final Key key = new Key(pool.name(), backend.address());
            if (effective(admin(key), health(key)) == BackendState.ACTIVE
                && weights.getOrDefault(key, backend.weight()) > 0)
            {
                healthy++;
            }
        }
        return healthy;
    }

    static BackendState effective(final AdminState admin, final String health)
    {
        if (admin == AdminState.DISABLED || DOWN.equals(health))
        {
            return BackendState.DOWN;
        }
        return admin == AdminState.DRAINING ? BackendState.DRAINING : BackendState.ACTIVE;
    }
}
