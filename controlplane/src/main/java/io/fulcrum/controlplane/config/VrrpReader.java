package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads {@code vrrp:}, a list of instances, each with its {@code track-pools}; names and VRIDs (per interface) unique. */
final class VrrpReader
{
    static final List<String> VRRP = List.of("name", "interface", "vrid", "priority", "advert-interval",
        "virtual-addresses", "preempt", "preempt-delay", "unicast-peers", "source-address", "notify", "garp-count",
        "garp-refresh", "virtual-mac", "sync-group", "accept", "track-pools");
    static final List<String> TRACK_POOL = List.of("pool", "min-healthy", "weight");

    private final Problems problems;
    private final YamlValues values;

    VrrpReader(final Problems problems, final YamlValues values)
    {
        this.problems = problems;
        this.values = values;
    }

    /**
     * @param pools    the file's pools, which {@code track-pools} refer to
     * @param services the file's services: a proxied one on an instance's address needs that instance's accept mode
     * @return the instances without problems
     */
    List<VrrpInstanceConfig> read(final Node node, final List<PoolConfig> pools, final List<ServiceConfig> services)
    {
        final List<VrrpInstanceConfig> instances = new ArrayList<>();
        final List<Node> items = values.list(node, "vrrp", "VRRP instances");
        if (items == null)
        {
            return instances;
        }
        for (int i = 0; i < items.size(); i++)
        {
            final String field = "vrrp[" + i + "]";
            final YamlMap map = values.map(items.get(i), field, VRRP);
            if (map == null)
            {
                continue;
            }
            final int before = problems.count();
            final String name = map.requiredText("name", "a name, like VI_1");
            final String interfaceName = map.requiredText("interface", "the interface the VIPs live on");
            final Node vridNode = map.optional("vrid");
            if (vridNode == null)
            {
                problems.at(items.get(i), field, "expected vrid (1 to 255): the virtual router's id on the LAN");
            }
            final int vrid = vridNode == null ? 1 : values.integer(vridNode, map.field("vrid"), 1, 255, 1);
            final int priority = map.optionalInteger("priority", 1, 255, VrrpInstanceConfig.DEFAULT_PRIORITY);
            final Duration interval = map.optionalDuration("advert-interval", VrrpInstanceConfig.DEFAULT_ADVERT_INTERVAL);
            if (interval.toMillis() < 10 || interval.toMillis() > 40_950 || interval.toMillis() % 10 != 0)
            {
                problems.at(map.optional("advert-interval"), map.field("advert-interval"),
                    "expected 10ms to 40950ms in steps of 10ms (VRRPv3 counts centiseconds), found " + interval.toMillis()
                        + "ms");
            }
            final List<String> addresses = virtualAddresses(map, items.get(i), field);
            final boolean preempt = map.optionalBoolean("preempt", true);
            final Duration preemptDelay = map.optionalDuration("preempt-delay", Duration.ZERO);
            final List<InetAddress> peers = new ArrayList<>();
            final Node peersNode = map.optional("unicast-peers");
            final List<Node> peerItems = peersNode == null ? null
                : values.list(peersNode, map.field("unicast-peers"), "peer addresses");
            for (int p = 0; peerItems != null && p < peerItems.size(); p++)
            {
                final InetAddress peer = values.address(peerItems.get(p), map.field("unicast-peers") + "[" + p + "]", null);
                if (peer != null)
                {
                    peers.add(peer);
                }
            }
            final Node sourceNode = map.optional("source-address");
            final Optional<InetAddress> source = sourceNode == null ? Optional.empty()
                : Optional.ofNullable(values.address(sourceNode, map.field("source-address"), null));
            final Node notifyNode = map.optional("notify");
            final Optional<String> notify = notifyNode == null ? Optional.empty()
                : Optional.ofNullable(values.text(notifyNode, map.field("notify"), "a program path", null));
            final int garpCount = map.optionalInteger("garp-count", 1, 100, VrrpInstanceConfig.DEFAULT_GARP_COUNT);
            final Duration garpRefresh = map.optionalDuration("garp-refresh", Duration.ZERO);
            // RFC 9568 section 7.3: the virtual router MAC is what the RFC expects; neighbours never relearn on failover
            final boolean virtualMac = map.optionalBoolean("virtual-mac", true);
            // RFC 9568 Accept_Mode, off by default as the RFC says (an owner, priority 255, accepts regardless)
            final boolean accept = map.optionalBoolean("accept", false);
            final List<TrackedPool> trackPools = trackPools(map, pools);
            final Node groupNode = map.optional("sync-group");
            final Optional<String> group = groupNode == null ? Optional.empty()
                : Optional.ofNullable(values.text(groupNode, map.field("sync-group"), "a group name", null));
            for (final VrrpInstanceConfig other : instances)
            {
                if (other.name().equals(name))
                {
                    problems.at(map.optional("name"), map.field("name"), "instance name '" + name + "' is used twice");
                }
                else if (other.vrid() == vrid && other.interfaceName().equals(interfaceName))
                {
                    problems.at(vridNode, map.field("vrid"), "vrid " + vrid + " on " + interfaceName
                        + " is used by instance " + other.name() + " too");
                }
            }
            if (!accept && priority != 255)
            {
                final Node where = map.optional("accept") == null ? items.get(i) : map.optional("accept");
                proxiedWithoutAccept(addresses, services).ifPresent(service -> problems.at(where, map.field("accept"),
                    "service " + service.name() + " (mode " + service.mode().yamlName() + ") listens on "
                        + IpLiterals.format(service.vip()) + ", which this instance holds: without accept: true its "
                        + "master drops what clients send to that address (RFC 9568 Accept_Mode), and the proxy "
                        + "never sees them; set accept: true"));
            }
            if (problems.count() == before && name != null && interfaceName != null)
            {
                instances.add(new VrrpInstanceConfig(name, interfaceName, vrid, priority, interval, addresses, preempt,
                    preemptDelay, peers, source, notify, garpCount, garpRefresh, virtualMac, group, accept, trackPools));
            }
        }
        return instances;
    }

    /** {@code virtual-addresses:} ADDRESS[/PREFIX] entries, all of one address family. */
    /** The first proxied service (tcp, http, udp: the host's stack takes its packets) on one of the addresses. */
    private static Optional<ServiceConfig> proxiedWithoutAccept(final List<String> addresses,
        final List<ServiceConfig> services)
    {
        for (final String address : addresses)
        {
            final InetAddress vip = IpLiterals.parse(address.contains("/") ? address.substring(0,
                address.indexOf('/')) : address);
            for (final ServiceConfig service : services)
            {
                if (service.mode().proxied() && service.vip().equals(vip))
                {
                    return Optional.of(service);
                }
            }
        }
        return Optional.empty();
    }

    private List<String> virtualAddresses(final YamlMap map, final Node instance, final String field)
    {
        final List<String> addresses = new ArrayList<>();
        final Node addressesNode = map.optional("virtual-addresses");
        final List<Node> addressItems = addressesNode == null ? null
            : values.list(addressesNode, map.field("virtual-addresses"), "ADDRESS[/PREFIX] entries");
        if (addressesNode == null)
        {
            problems.at(instance, field, "expected virtual-addresses: the VIPs this instance moves");
        }
        Boolean v4 = null;
        for (int a = 0; addressItems != null && a < addressItems.size(); a++)
        {
            final String addressField = map.field("virtual-addresses") + "[" + a + "]";
            final String text = values.text(addressItems.get(a), addressField, "ADDRESS[/PREFIX]", null);
            if (text == null)
            {
                continue;
            }
            final String literal = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
            try
            {
                final boolean isV4 = IpLiterals.parse(literal).getAddress().length == 4;
                if (v4 != null && v4 != isV4)
                {
                    problems.at(addressItems.get(a), addressField, "one instance carries one address family "
                        + "(RFC 9568 never mixes them): put IPv6 VIPs in an instance of their own");
                }
                v4 = isV4;
                addresses.add(text);
            }
            catch (final IllegalArgumentException e)
            {
                problems.at(addressItems.get(a), addressField, "expected ADDRESS[/PREFIX], found "
                    + YamlValues.quote(text));
            }
        }
        return addresses;
    }

    /** {@code track-pools:} of one VRRP instance: each names a pool of this file, once. */
    private List<TrackedPool> trackPools(final YamlMap instance, final List<PoolConfig> pools)
    {
        final List<TrackedPool> tracked = new ArrayList<>();
        final Node node = instance.optional("track-pools");
        final List<Node> items = node == null ? null
            : values.list(node, instance.field("track-pools"), "pools to track: { pool, min-healthy, weight }");
        for (int t = 0; items != null && t < items.size(); t++)
        {
            final String field = instance.field("track-pools") + "[" + t + "]";
            final YamlMap map = values.map(items.get(t), field, TRACK_POOL);
            if (map == null)
            {
                continue;
            }
            final int before = problems.count();
            final String pool = map.requiredText("pool", "the name of a pool to track");
            final int minHealthy = map.optionalInteger("min-healthy", 1, 65_535, 1);
            final int weight = map.optionalInteger("weight", -TrackedPool.MAX_WEIGHT, TrackedPool.MAX_WEIGHT, 0);
            if (pool != null && problems.count() == before)
            {
                final PoolConfig config = pools.stream().filter(p -> p.name().equals(pool)).findFirst().orElse(null);
                if (config == null)
                {
                    problems.at(map.optional("pool"), map.field("pool"), "no pool named '" + pool + "' (pools: "
                        + (pools.isEmpty() ? "none" : String.join(", ", pools.stream().map(PoolConfig::name).toList()))
                        + ")");
                }
                else if (minHealthy > config.backends().size())
                {
                    problems.at(map.optional("min-healthy"), map.field("min-healthy"), "pool '" + pool + "' has "
                        + config.backends().size() + " backend(s): it could never have " + minHealthy + " healthy");
                }
                else if (tracked.stream().anyMatch(other -> other.pool().equals(pool)))
                {
                    problems.at(map.optional("pool"), map.field("pool"), "pool '" + pool + "' is tracked twice");
                }
                else
                {
                    tracked.add(new TrackedPool(pool, minHealthy, weight));
                }
            }
        }
        return tracked;
    }
}
