package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Primes;
import org.snakeyaml.engine.v2.nodes.Node;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads {@code services:}, each service on its own; what needs all services and pools at once (names, listeners, pool
 * references) is {@link ServiceChecks}'.
 */
final class ServiceReader
{
    static final List<String> SERVICE = List.of("name", "vip", "port", "protocol", "forwarding", "scheduler",
        "maglev-table-size", "pool");

    private final Problems problems;
    private final YamlValues values;

    ServiceReader(final Problems problems, final YamlValues values)
    {
        this.problems = problems;
        this.values = values;
    }

    /** @param node the section, null when the file has none */
    List<Parsed<ServiceConfig>> read(final Node node)
    {
        final List<Parsed<ServiceConfig>> services = new ArrayList<>();
        if (node == null)
        {
            return services;
        }
        final List<Node> items = values.list(node, "services", "services");
        if (items == null)
        {
            return services;
        }
        for (int i = 0; i < items.size(); i++)
        {
            final YamlMap map = values.map(items.get(i), "services[" + i + "]", SERVICE);
            if (map != null)
            {
                services.add(new Parsed<>(service(map), map));
            }
        }
        return services;
    }

    private ServiceConfig service(final YamlMap map)
    {
        final String name = map.name();
        final Node vipNode = map.required("vip", "an IPv4 or IPv6 address literal");
        final InetAddress vip = vipNode == null ? YamlValues.PLACEHOLDER : values.unicast(vipNode, map.field("vip"));
        final Node portNode = map.required("port", "an integer from 1 to 65535");
        final int port = portNode == null ? 0 : values.integer(portNode, map.field("port"), 1, 65535, 0);
        final Protocol protocol = map.optionalChoice("protocol", Protocol.values(), Protocol::yamlName, Protocol.TCP);
        final Encapsulation forwarding = map.optionalChoice("forwarding", Encapsulation.values(),
            ServiceReader::yamlName, Encapsulation.IPIP);
        final Scheduler scheduler = map.optionalChoice("scheduler", Scheduler.values(), Scheduler::yamlName,
            Scheduler.MAGLEV);
        final int tableSize = map.optionalInteger("maglev-table-size", 2, ServiceConfig.MAX_MAGLEV_TABLE_SIZE,
            ServiceConfig.DEFAULT_MAGLEV_TABLE_SIZE);
        final Node sizeNode = map.optional("maglev-table-size");
        if (sizeNode != null && tableSize != ServiceConfig.DEFAULT_MAGLEV_TABLE_SIZE && !Primes.isPrime(tableSize))
        {
            // Maglev's permutation (offset + j * skip) mod M visits every slot only when M is prime (paper, 3.4).
            problems.at(sizeNode, map.field("maglev-table-size"), "expected a prime number, found " + tableSize +
                " (nearby primes: " + Primes.previousPrime(tableSize) + ", " + Primes.nextPrime(tableSize) + ")");
        }
        final Node poolNode = map.required("pool", "the name of a pool");
        final String pool = poolNode == null ? "" : values.text(poolNode, map.field("pool"), "the name of a pool", "");
        return new ServiceConfig(name, vip, port, protocol, forwarding, scheduler, tableSize, pool);
    }

    private static String yamlName(final Encapsulation encapsulation)
    {
        return encapsulation.name().toLowerCase(Locale.ROOT);
    }
}
