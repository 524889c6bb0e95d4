package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads {@code pools:}: names unique, backends unique per pool, each backend's health check laid over its pool's. */
final class PoolReader
{
    static final List<String> POOL = List.of("name", "backends", "health-check");
    static final List<String> BACKEND = List.of("address", "weight", "mac", "health-check");

    private final Problems problems;
    private final YamlValues values;
    private final HealthCheckReader healthChecks;

    PoolReader(final Problems problems, final YamlValues values)
    {
        this.problems = problems;
        this.values = values;
        this.healthChecks = new HealthCheckReader(problems, values);
    }

    /** @param node the section, null when the file has none */
    List<Parsed<PoolConfig>> read(final Node node)
    {
        final List<Parsed<PoolConfig>> pools = new ArrayList<>();
        if (node == null)
        {
            return pools;
        }
        final List<Node> items = values.list(node, "pools", "pools");
        if (items == null)
        {
            return pools;
        }
        final Map<String, Integer> firstByName = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
        {
            final YamlMap map = values.map(items.get(i), "pools[" + i + "]", POOL);
            if (map == null)
            {
                continue;
            }
            final String name = map.name();
            final Integer first = firstByName.putIfAbsent(name, i);
            if (first != null && !name.isEmpty())
            {
                problems.at(map.optional("name"), map.field("name"), "pools[" + first + "] is already named '" + name + "'");
            }
            pools.add(new Parsed<>(new PoolConfig(name, backends(map, poolHealthCheck(map))), map));
        }
        return pools;
    }

    /** The pool's check as given, for backends to inherit; null when the pool has none or it is not valid. */
    private PoolHealthCheck poolHealthCheck(final YamlMap pool)
    {
        final Node node = pool.optional("health-check");
        if (node == null)
        {
            return new PoolHealthCheck(null, null, true);
        }
        final HealthCheckReader.Fields fields = healthChecks.read(node, pool.field("health-check"));
        final HealthCheckConfig check = fields == null ? null : healthChecks.resolve(null, fields);
        return new PoolHealthCheck(fields, check, check != null);
    }

    /** A backend's effective check: the pool's, with the backend's own fields over it. */
    private Optional<HealthCheckConfig> backendHealthCheck(final YamlMap backend, final PoolHealthCheck pool)
    {
        final Node node = backend.optional("health-check");
        if (node == null)
        {
            return Optional.ofNullable(pool.check());
        }
        final HealthCheckReader.Fields fields = healthChecks.read(node, backend.field("health-check"));
        if (fields == null || !pool.valid())
        {
            return Optional.empty(); // the pool's own problem is reported once, at the pool
        }
        return Optional.ofNullable(healthChecks.resolve(pool.fields(), fields));
    }

    private List<BackendConfig> backends(final YamlMap pool, final PoolHealthCheck poolHealthCheck)
    {
        final List<BackendConfig> backends = new ArrayList<>();
        final Node node = pool.required("backends", "a list of backends");
        if (node == null)
        {
            return backends;
        }
        final List<Node> items = values.list(node, pool.field("backends"), "backends, like - { address: 10.0.0.11 }");
        if (items == null)
        {
            return backends;
        }
        if (items.isEmpty())
        {
            problems.at(node, pool.field("backends"), "a pool needs at least one backend, found an empty list");
        }
        final Map<InetAddress, Integer> firstByAddress = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String field = pool.field("backends") + "[" + i + "]";
            final YamlMap map = values.map(items.get(i), field, BACKEND);
            if (map == null)
            {
                continue;
            }
            final Node addressNode = map.required("address", "an IPv4 or IPv6 address literal");
            final InetAddress address = addressNode == null ? null : values.unicast(addressNode, map.field("address"));
            final int weight = map.optionalInteger("weight", 0, BackendConfig.MAX_WEIGHT, BackendConfig.DEFAULT_WEIGHT);
            final Node macNode = map.optional("mac");
            final long mac = macNode == null ? MacAddresses.UNRESOLVED : values.mac(macNode, map.field("mac"), MacAddresses.UNRESOLVED);
            final Optional<HealthCheckConfig> healthCheck = backendHealthCheck(map, poolHealthCheck);
            if (address == null)
            {
                continue;
            }
            final Integer first = firstByAddress.putIfAbsent(address, i);
            if (first != null)
            {
                problems.at(addressNode, map.field("address"), IpLiterals.format(address) + " is already " +
                    pool.field("backends") + "[" + first + "]; a backend may appear once per pool (raise its weight instead)");
            }
            backends.add(new BackendConfig(address, weight, mac, healthCheck));
        }
        return backends;
    }

    /**
     * @param fields what the pool's health-check gives (null: none, or not a mapping)
     * @param check  the pool's resolved check, null when it has none or it is not valid
     * @param valid  false when the pool's check had a problem (backends then skip their own resolution)
     */
    private record PoolHealthCheck(HealthCheckReader.Fields fields, HealthCheckConfig check, boolean valid)
    {
    }
}
