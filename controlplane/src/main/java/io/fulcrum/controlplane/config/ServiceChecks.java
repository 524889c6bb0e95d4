package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What needs all services and pools at once: names, listeners and pool references, and (a warning, not a problem) the
 * pools no service uses.
 */
final class ServiceChecks
{
    private final Problems problems;

    ServiceChecks(final Problems problems)
    {
        this.problems = problems;
    }

    void check(final List<Parsed<ServiceConfig>> services, final List<Parsed<PoolConfig>> pools)
    {
        final Map<String, PoolConfig> poolsByName = new LinkedHashMap<>();
        for (final Parsed<PoolConfig> pool : pools)
        {
            poolsByName.putIfAbsent(pool.value().name(), pool.value());
        }
        final Map<String, Integer> firstByName = new HashMap<>();
        final Map<Listener, Integer> firstByListener = new HashMap<>();
        final Set<String> usedPools = new HashSet<>();
        for (int i = 0; i < services.size(); i++)
        {
            final ServiceConfig service = services.get(i).value();
            usedPools.add(service.pool());
            final YamlMap map = services.get(i).map();
            checkRoutes(service, map, poolsByName, usedPools);
            final Integer sameName = firstByName.putIfAbsent(service.name(), i);
            if (sameName != null && !service.name().isEmpty())
            {
                problems.at(map.optional("name"), map.field("name"), "services[" + sameName + "] is already named '" +
                    service.name() + "'");
            }
            final Node vipNode = map.optional("vip");
            if (vipNode != null && service.port() != 0 && service.vip() != YamlValues.PLACEHOLDER)
            {
                final Integer sameListener = firstByListener.putIfAbsent(
                    new Listener(service.vip(), service.port(), service.protocol()), i);
                if (sameListener != null)
                {
                    problems.at(vipNode, map.field("vip"), "services[" + sameListener + "] already listens on " +
                        IpLiterals.format(service.vip()) + " port " + service.port() + "/" + service.protocol().yamlName());
                }
            }
            final Node poolNode = map.optional("pool");
            if (poolNode == null || service.pool().isEmpty())
            {
                continue;
            }
            final PoolConfig pool = poolsByName.get(service.pool());
            if (pool == null)
            {
                problems.at(poolNode, map.field("pool"), "no pool named '" + service.pool() + "' (pools: " +
                    (poolsByName.isEmpty() ? "none" : String.join(", ", poolsByName.keySet())) + ")");
            }
            else if (pool.backends().size() > service.maglevTableSize())
            {
                final Node sizeNode = map.optional("maglev-table-size");
                problems.at(sizeNode == null ? map.node() : sizeNode, map.field("maglev-table-size"),
                    "the Maglev table needs at least one slot per backend: " + service.maglevTableSize() +
                        " slots for " + pool.backends().size() + " backends in pool '" + pool.name() + "'");
            }
        }
        // Valid, but its backends are checked and counted for nothing: usually a service's pool misspelt or removed.
        for (final Parsed<PoolConfig> pool : pools)
        {
            final String name = pool.value().name();
            if (!name.isEmpty() && !usedPools.contains(name))
            {
                problems.warningAt(pool.map().node(), "pool '" + name + "' is used by no service");
            }
        }
    }

    /** An http service's routes name pools too: each must exist, and counts as a use. */
    private void checkRoutes(final ServiceConfig service, final YamlMap map, final Map<String, PoolConfig> poolsByName,
        final Set<String> usedPools)
    {
        final List<RouteConfig> routes = service.proxy().routes();
        for (int r = 0; r < routes.size(); r++)
        {
            final String pool = routes.get(r).pool();
            usedPools.add(pool);
            if (!pool.isEmpty() && !poolsByName.containsKey(pool))
            {
                problems.at(map.optional("routes"), map.field("routes") + "[" + r + "].pool", "no pool named '" + pool
                    + "' (pools: " + (poolsByName.isEmpty() ? "none" : String.join(", ", poolsByName.keySet())) + ")");
            }
        }
    }

    private record Listener(InetAddress vip, int port, Protocol protocol)
    {
    }
}
