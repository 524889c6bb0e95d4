package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads {@code dataplane:}: interfaces, workers and their cores, the connection table, encapsulation sources. */
final class DataplaneReader
{
    static final List<String> DATAPLANE = List.of("interfaces", "packet-io", "workers", "cores", "idle", "batch-size",
        "mtu", "connection-table", "encapsulation", "counters-file");
    static final List<String> CONNECTION_TABLE = List.of("capacity", "tcp-timeout", "tcp-closing-timeout", "udp-timeout",
        "file", "persistent");
    static final List<String> ENCAPSULATION = List.of("ipv4-source", "ipv6-source", "gue-port");
    /** Linux IFNAMSIZ is 16 with the terminating NUL (include/uapi/linux/if.h); dev_valid_name refuses '/', ':' and spaces. */
    private static final Pattern INTERFACE = Pattern.compile("[^/:\\s]{1,15}");

    private final Problems problems;
    private final YamlValues values;

    DataplaneReader(final Problems problems, final YamlValues values)
    {
        this.problems = problems;
        this.values = values;
    }

    /** @return the data plane's settings, each field that had a problem at its default */
    DataplaneConfig read(final Node node)
    {
        final DataplaneConfig defaults = DataplaneConfig.defaults();
        final YamlMap map = values.map(node, "dataplane", DATAPLANE);
        if (map == null)
        {
            return defaults;
        }
        final List<String> interfaces = interfaces(map);
        final PacketIo packetIo = map.optionalChoice("packet-io", PacketIo.values(), PacketIo::yamlName, defaults.packetIo());
        final int problemsBefore = problems.count();
        final int workers = map.optionalInteger("workers", 1, DataplaneConfig.MAX_WORKERS, defaults.workers());
        // With workers already wrong, a count mismatch with cores would be the same mistake reported twice.
        final List<Integer> cores = problems.count() == problemsBefore ? cores(map, workers) : List.of();
        final IdleMode idle = map.optionalChoice("idle", IdleMode.values(), IdleMode::yamlName, defaults.idle());
        final int batchSize = map.optionalInteger("batch-size", 1, DataplaneConfig.MAX_BATCH_SIZE, defaults.batchSize());
        final int mtu = map.optionalInteger("mtu", DataplaneConfig.MIN_MTU, DataplaneConfig.MAX_MTU, defaults.mtu());
        final Node tableNode = map.optional("connection-table");
        final ConnectionTableConfig table = tableNode == null ? defaults.connectionTable() : connectionTable(tableNode);
        final Node encapsulationNode = map.optional("encapsulation");
        final EncapsulationConfig encapsulation = encapsulationNode == null ? defaults.encapsulation() :
            encapsulation(encapsulationNode);
        final Node countersNode = map.optional("counters-file");
        final Path countersFile = countersNode == null ? defaults.countersFile() :
            Path.of(values.text(countersNode, map.field("counters-file"), "a file path", defaults.countersFile().toString()));
        return new DataplaneConfig(interfaces, packetIo, workers, cores, idle, batchSize, mtu, table, encapsulation,
            countersFile);
    }

    private List<String> interfaces(final YamlMap dataplane)
    {
        final List<String> interfaces = new ArrayList<>();
        final Node node = dataplane.optional("interfaces");
        if (node == null)
        {
            return interfaces;
        }
        final List<Node> items = values.list(node, dataplane.field("interfaces"), "interface names, like [eth1]");
        if (items == null)
        {
            return interfaces;
        }
        for (int i = 0; i < items.size(); i++)
        {
            final String field = dataplane.field("interfaces") + "[" + i + "]";
            final String name = values.text(items.get(i), field, "an interface name", null);
            if (name == null)
            {
                continue;
            }
            if (!INTERFACE.matcher(name).matches())
            {
                problems.at(items.get(i), field, "expected a Linux interface name (1 to 15 characters, no '/', ':' " +
                    "or spaces), found '" + name + "'");
            }
            else if (interfaces.contains(name))
            {
                problems.at(items.get(i), field, "interface '" + name + "' is listed twice");
            }
            else
            {
                interfaces.add(name);
            }
        }
        return interfaces;
    }

    private List<Integer> cores(final YamlMap dataplane, final int workers)
    {
        final Node node = dataplane.optional("cores");
        if (node == null)
        {
            return List.of();
        }
        final List<Integer> cores = values.cpus(node, dataplane.field("cores"), "worker");
        if (cores == null)
        {
            return List.of();
        }
        if (cores.size() != workers)
        {
            problems.at(node, dataplane.field("cores"), "expected one CPU per worker (" + workers + "), found " +
                cores.size());
            return List.of();
        }
        return cores;
    }

    private ConnectionTableConfig connectionTable(final Node node)
    {
        final ConnectionTableConfig defaults = ConnectionTableConfig.defaults();
        final YamlMap map = values.map(node, "dataplane.connection-table", CONNECTION_TABLE);
        if (map == null)
        {
            return defaults;
        }
        final int capacity = map.optionalInteger("capacity", 1, ConnectionTableConfig.MAX_CAPACITY, defaults.capacity());
        final Duration tcpTimeout = map.optionalDuration("tcp-timeout", defaults.tcpTimeout());
        final Duration tcpClosingTimeout = map.optionalDuration("tcp-closing-timeout", defaults.tcpClosingTimeout());
        final Duration udpTimeout = map.optionalDuration("udp-timeout", defaults.udpTimeout());
        final boolean persistent = map.optionalBoolean("persistent", true);
        Path file = ConnectionTableConfig.DEFAULT_FILE;
        final Node fileNode = map.optional("file");
        if (fileNode != null)
        {
            final String rule = "an absolute file path, like " + ConnectionTableConfig.DEFAULT_FILE;
            final String text = values.text(fileNode, map.field("file"), rule, null);
            if (text != null)
            {
                final Path path = Path.of(text);
                if (!path.isAbsolute() || path.getFileName() == null || text.endsWith("/"))
                {
                    problems.at(fileNode, map.field("file"), "expected " + rule + ", found '" + text + "'");
                }
                else
                {
                    file = path;
                }
            }
        }
        return new ConnectionTableConfig(capacity, tcpTimeout, tcpClosingTimeout, udpTimeout,
            persistent ? Optional.of(file) : Optional.empty());
    }

    private EncapsulationConfig encapsulation(final Node node)
    {
        final EncapsulationConfig defaults = EncapsulationConfig.defaults();
        final YamlMap map = values.map(node, "dataplane.encapsulation", ENCAPSULATION);
        if (map == null)
        {
            return defaults;
        }
        final Node v4 = map.optional("ipv4-source");
        final Node v6 = map.optional("ipv6-source");
        return new EncapsulationConfig(
            v4 == null ? defaults.ipv4Source() : values.cidr(v4, map.field("ipv4-source"), true, defaults.ipv4Source()),
            v6 == null ? defaults.ipv6Source() : values.cidr(v6, map.field("ipv6-source"), false, defaults.ipv6Source()),
            map.optionalInteger("gue-port", 1, 65535, defaults.guePort()));
    }
}
