package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Primes;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import org.snakeyaml.engine.v2.nodes.Node;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads {@code services:}, each service on its own; what needs all services and pools at once (names, listeners, pool
 * references) is {@link ServiceChecks}'.
 */
final class ServiceReader
{
    static final List<String> SERVICE = List.of("name", "vip", "port", "protocol", "mode", "forwarding", "scheduler",
        "maglev-table-size", "pool", "backend-port", "max-connections", "proxy-protocol", "retries", "connect-timeout",
        "idle-timeout", "response-timeout", "request-header-timeout", "forwarded-headers", "routes");
    static final List<String> ROUTE = List.of("host", "path-prefix", "pool");

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
        final ServiceMode mode = map.optionalChoice("mode", ServiceMode.values(), ServiceMode::yamlName,
            ServiceMode.DSR);
        final Protocol protocol = protocol(map, mode);
        final Encapsulation forwarding = map.optionalChoice("forwarding", Encapsulation.values(),
            ServiceReader::yamlName, Encapsulation.IPIP);
        final SchedulerKind scheduler = scheduler(map, mode);
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
        return new ServiceConfig(name, vip, port, protocol, mode, forwarding, scheduler, tableSize, pool,
            proxyOptions(map, mode));
    }

    /** tcp and http services are TCP, a udp service is UDP; a dsr service says which (TCP unless told). */
    private Protocol protocol(final YamlMap map, final ServiceMode mode)
    {
        final Protocol fallback = mode == ServiceMode.UDP ? Protocol.UDP : Protocol.TCP;
        final Protocol protocol = map.optionalChoice("protocol", Protocol.values(), Protocol::yamlName, fallback);
        final Node node = map.optional("protocol");
        if (node != null && mode != ServiceMode.DSR && protocol != fallback)
        {
            problems.at(node, map.field("protocol"), "a service of mode " + mode.yamlName() + " is " +
                fallback.yamlName() + ", found protocol " + protocol.yamlName());
        }
        return protocol;
    }

    private SchedulerKind scheduler(final YamlMap map, final ServiceMode mode)
    {
        final SchedulerKind scheduler = map.optionalChoice("scheduler", SchedulerKind.values(), SchedulerKind::yamlName,
            SchedulerKind.MAGLEV);
        final Node node = map.optional("scheduler");
        if (node == null)
        {
            return scheduler;
        }
        if (scheduler.needsResponses() && (mode == ServiceMode.DSR || mode == ServiceMode.UDP))
        {
            problems.at(node, map.field("scheduler"), "scheduler " + scheduler.yamlName() + " picks by observed " +
                "response time, which a " + mode.yamlName() + " service cannot measure" +
                (mode == ServiceMode.DSR ? " (the backend answers the client directly)" : "") +
                "; it works in mode tcp and http");
        }
        else if (mode == ServiceMode.DSR && !DSR_SCHEDULERS.contains(scheduler))
        {
            problems.at(node, map.field("scheduler"), "scheduler " + scheduler.yamlName() + " is not available in " +
                "mode dsr (the data plane picks new flows by " + dsrSchedulerNames() + "); it works in mode tcp, " +
                "http and udp");
        }
        return scheduler;
    }

    /** What the packet data plane can schedule new flows by. */
    static final List<SchedulerKind> DSR_SCHEDULERS = Service.DATA_PLANE_SCHEDULERS;

    /** "maglev, ip-hash, round-robin or least-connections". */
    private static String dsrSchedulerNames()
    {
        final List<String> names = DSR_SCHEDULERS.stream().map(SchedulerKind::yamlName).toList();
        return names.size() == 1 ? names.getFirst()
            : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    /** The proxy's keys: each refused, with the modes it belongs to, on a service of another mode. */
    private ProxyOptions proxyOptions(final YamlMap map, final ServiceMode mode)
    {
        onlyIn(map, mode, "forwarding", ServiceMode.DSR);
        onlyIn(map, mode, "backend-port", ServiceMode.TCP, ServiceMode.HTTP, ServiceMode.UDP);
        onlyIn(map, mode, "idle-timeout", ServiceMode.TCP, ServiceMode.HTTP, ServiceMode.UDP);
        onlyIn(map, mode, "max-connections", ServiceMode.TCP);
        onlyIn(map, mode, "retries", ServiceMode.TCP, ServiceMode.HTTP);
        onlyIn(map, mode, "connect-timeout", ServiceMode.TCP, ServiceMode.HTTP);
        onlyIn(map, mode, "proxy-protocol", ServiceMode.TCP);
        onlyIn(map, mode, "response-timeout", ServiceMode.HTTP);
        onlyIn(map, mode, "request-header-timeout", ServiceMode.HTTP);
        onlyIn(map, mode, "forwarded-headers", ServiceMode.HTTP);
        onlyIn(map, mode, "routes", ServiceMode.HTTP);
        if (!mode.proxied())
        {
            return ProxyOptions.NONE;
        }
        return new ProxyOptions(
            map.optionalInteger("backend-port", 1, 65535, 0),
            map.optionalInteger("max-connections", 0, 10_000_000, 0),
            map.optionalBoolean("proxy-protocol", false),
            map.optionalInteger("retries", 0, 10, ProxyOptions.DEFAULT_RETRIES),
            map.optionalDuration("connect-timeout", ProxyOptions.DEFAULT_CONNECT_TIMEOUT),
            map.optionalDuration("idle-timeout", ProxyOptions.defaultIdleTimeout(mode)),
            map.optionalDuration("response-timeout", ProxyOptions.DEFAULT_RESPONSE_TIMEOUT),
            map.optionalDuration("request-header-timeout", ProxyOptions.DEFAULT_REQUEST_HEADER_TIMEOUT),
            map.optionalBoolean("forwarded-headers", true),
            routes(map));
    }

    private void onlyIn(final YamlMap map, final ServiceMode mode, final String key, final ServiceMode... modes)
    {
        final Node node = map.optional(key);
        if (node == null || List.of(modes).contains(mode))
        {
            return;
        }
        final List<String> names = Arrays.stream(modes).map(ServiceMode::yamlName).toList();
        final String list = names.size() == 1 ? names.getFirst()
            : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
        problems.at(node, map.field(key), key + " applies to mode " + list + ", not to a service of mode " +
            mode.yamlName());
    }

    private List<RouteConfig> routes(final YamlMap service)
    {
        final Node node = service.optional("routes");
        final List<RouteConfig> routes = new ArrayList<>();
        final List<Node> items = node == null ? null : values.list(node, service.field("routes"), "routes");
        if (items == null)
        {
            return routes;
        }
        for (int i = 0; i < items.size(); i++)
        {
            final YamlMap map = values.map(items.get(i), service.field("routes") + "[" + i + "]", ROUTE);
            if (map == null)
            {
                continue;
            }
            final Node hostNode = map.optional("host");
            final String host = hostNode == null ? null : values.text(hostNode, map.field("host"), "a host name", null);
            if (host != null && !HOST.matcher(host).matches())
            {
                problems.at(hostNode, map.field("host"), "expected a host name without port (letters, digits, '-', " +
                    "'.'), found " + YamlValues.quote(host));
            }
            final Node prefixNode = map.optional("path-prefix");
            final String prefix = prefixNode == null ? "/"
                : values.text(prefixNode, map.field("path-prefix"), "a path starting with /", "/");
            if (!prefix.startsWith("/"))
            {
                problems.at(prefixNode, map.field("path-prefix"), "expected a path starting with /, found " +
                    YamlValues.quote(prefix));
            }
            if (hostNode == null && prefixNode == null)
            {
                problems.at(map.node(), map.path(), "a route needs host, path-prefix or both (a route matching " +
                    "everything is the service's own pool)");
            }
            final String pool = map.requiredText("pool", "the name of a pool");
            routes.add(new RouteConfig(Optional.ofNullable(host).map(h -> h.toLowerCase(Locale.ROOT)), prefix,
                pool == null ? "" : pool));
        }
        return routes;
    }

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}");

    private static String yamlName(final Encapsulation encapsulation)
    {
        return encapsulation.name().toLowerCase(Locale.ROOT);
    }
}
