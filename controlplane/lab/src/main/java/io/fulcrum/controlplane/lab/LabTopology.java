package io.fulcrum.controlplane.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * The lab's network, as a deployment would look: a client behind a router, and a server LAN (one bridge) that
 * holds the router, two balancers (lb1 owns the VIPs; VRRP later moves them to lb2) and three backends that reply
 * to clients directly (direct server return). Every address is private (RFC 1918, RFC 4193 ULA) and lives only
 * inside the lab's own namespaces, so the same addresses can be used by a user's lab and a test's lab at once.
 *
 * <pre>
 *  client ──(10.200.1.0/24, fd00:200:1::/64)── router ──┐
 *                                                        │ server LAN 10.200.0.0/24, fd00:200::/64
 *                          lan (bridge br0) ─────────────┼── lb1 (VIPs .100, ::100; proxy VIP .101), lb2
 *                                                        └── be1 .11, be2 .12, be3 .13 (VIPs on lo)
 *  lb1 eth1 10.200.9.1/30 ──(sync link: a cable of its own, as a real pair's HA port)── lb2 eth1 10.200.9.2/30
 * </pre>
 */
public final class LabTopology
{
    public static final String DEFAULT_PREFIX = "fl";

    public static final String VIP4 = "10.200.0.100";
    public static final String VIP6 = "fd00:200::100";
    /** The VIP of the lab's http proxy service: lb1 terminates the client's connection and opens its own. */
    public static final String PROXY_VIP4 = "10.200.0.101";
    public static final int LAN_PREFIX4 = 24;
    public static final int LAN_PREFIX6 = 64;
    public static final String ROUTER_LAN4 = "10.200.0.1";
    public static final String ROUTER_LAN6 = "fd00:200::1";
    public static final String CLIENT4 = "10.200.1.2";
    public static final String CLIENT6 = "fd00:200:1::2";
    public static final String ROUTER_CLIENT4 = "10.200.1.1";
    public static final String ROUTER_CLIENT6 = "fd00:200:1::1";
    public static final int CLIENT_PREFIX4 = 24;
    public static final int CLIENT_PREFIX6 = 64;

    /** Every LAN node's port is eth0 inside its own namespace; the router's client-side port is eth1. */
    public static final String LAN_INTERFACE = "eth0";
    public static final String ROUTER_CLIENT_INTERFACE = "eth1";
    public static final String CLIENT_INTERFACE = "eth0";
    public static final String BRIDGE = "br0";

    /** The pair's connection-sync link: a veth between lb1 and lb2 only, like the cable between a real pair. */
    public static final String SYNC_INTERFACE = "eth1";
    public static final String SYNC_LB1 = "10.200.9.1";
    public static final String SYNC_LB2 = "10.200.9.2";
    public static final int SYNC_PREFIX = 30;
    public static final int SYNC_PORT = 7946;

    public static final int HTTP_PORT = 80;
    public static final int BACKEND_COUNT = 3;

    private final String prefix;
    private final List<LabNode> nodes;

    public LabTopology(final String prefix)
    {
        if (!prefix.matches("[a-z][a-z0-9]{0,11}"))
        {
            throw new IllegalArgumentException("lab prefix must be 1-12 lower-case letters or digits: " + prefix);
        }
        this.prefix = prefix;
        final List<LabNode> all = new ArrayList<>();
        all.add(node("client", LabNode.Role.CLIENT, null, null, null, 0x01));
        all.add(node("router", LabNode.Role.ROUTER, LAN_INTERFACE, ROUTER_LAN4, ROUTER_LAN6, 0x01));
        all.add(node("lan", LabNode.Role.SWITCH, null, null, null, 0));
        all.add(node("lb1", LabNode.Role.BALANCER, LAN_INTERFACE, "10.200.0.2", "fd00:200::2", 0x02));
        all.add(node("lb2", LabNode.Role.BALANCER, LAN_INTERFACE, "10.200.0.3", "fd00:200::3", 0x03));
        for (int i = 1; i <= BACKEND_COUNT; i++)
        {
            all.add(node("be" + i, LabNode.Role.BACKEND, LAN_INTERFACE, "10.200.0." + (10 + i), "fd00:200::" + (10 + i),
                0x10 + i));
        }
        this.nodes = List.copyOf(all);
    }

    private LabNode node(final String name, final LabNode.Role role, final String lanInterface, final String lan4,
        final String lan6, final int host)
    {
        // 02: locally administered, unicast (IEEE 802 U/L bit); the last byte is the host part of the LAN address.
        final String mac = lanInterface == null ? null : String.format("02:f1:00:00:00:%02x", host);
        return new LabNode(name, role, prefix + "-" + name, lanInterface, lan4, lan6, mac);
    }

    public String prefix()
    {
        return prefix;
    }

    /** Every node, in the order they are made: client, router, lan, lb1, lb2, be1..be3. */
    public List<LabNode> nodes()
    {
        return nodes;
    }

    public List<LabNode> backends()
    {
        return nodes.stream().filter(LabNode::isBackend).toList();
    }

    public LabNode node(final String name)
    {
        for (final LabNode node : nodes)
        {
            if (node.name().equals(name) || node.namespace().equals(name))
            {
                return node;
            }
        }
        throw new LabException("no lab node named '" + name + "'; the nodes are "
            + String.join(", ", nodes.stream().map(LabNode::name).toList()));
    }

    public LabNode client()
    {
        return node("client");
    }

    public LabNode router()
    {
        return node("router");
    }

    public LabNode lan()
    {
        return node("lan");
    }

    /** The balancer that owns the VIPs when the lab comes up. */
    public LabNode primaryBalancer()
    {
        return node("lb1");
    }

    /** True when {@code namespace} is one of this lab's, judged by name alone (for clean-up after a crash). */
    public boolean owns(final String namespace)
    {
        return namespace.startsWith(prefix + "-");
    }
}
