package io.fulcrum.controlplane.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

/**
 * The lab's wiring with ip(8), sysctl(8) and ethtool(8): its namespaces, the client net, the server LAN's bridge and
 * the veth links on it, the pair's sync link, and the VIPs (on lb1's LAN port, on each backend's loopback). Each
 * namespace is recorded in {@link LabState} before it is made, so a half-made lab can still be removed.
 */
final class LabNetwork
{
    private final LabTopology topology;
    private final PrintStream out;

    LabNetwork(final LabTopology topology, final PrintStream out)
    {
        this.topology = topology;
        this.out = out;
    }

    /** Makes the namespaces, wires them and places the VIPs; the backends' servers are not started yet. */
    void build(final LabState state)
    {
        makeNamespaces(state);
        wireClientNet();
        wireServerLan();
        wireSyncLink();
        placeVips();
    }

    private void makeNamespaces(final LabState state)
    {
        for (final LabNode node : topology.nodes())
        {
            final String ns = node.namespace();
            state.recordNamespace(ns);
            Commands.check("ip", "netns", "add", ns);
            Commands.checkIn(ns, "ip", "link", "set", "lo", "up");
            // No duplicate address detection: a fresh lab has no duplicates, and DAD would hold addresses
            // "tentative" (unusable) for about a second (RFC 4862 section 5.4).
            sysctl(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            // A port taken down and up again (lab kill / revive) keeps its IPv6 addresses, as IPv4 does; without
            // this the kernel flushes them on link down and the node comes back without an address.
            sysctl(ns, "net.ipv6.conf.all.keep_addr_on_down=1", "net.ipv6.conf.default.keep_addr_on_down=1");
        }
        // The switch has no addresses of its own; without IPv6 there it sends no router or MLD solicitations.
        sysctl(topology.lan().namespace(), "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        sysctl(topology.router().namespace(), "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
        out.println("made " + topology.nodes().size() + " namespaces: "
            + String.join(" ", topology.nodes().stream().map(LabNode::namespace).toList()));
    }

    private void wireClientNet()
    {
        final LabNode client = topology.client();
        final LabNode router = topology.router();
        Commands.check("ip", "link", "add", LabTopology.CLIENT_INTERFACE, "netns", client.namespace(), "type", "veth",
            "peer", "name", LabTopology.ROUTER_CLIENT_INTERFACE, "netns", router.namespace());
        address(client.namespace(), LabTopology.CLIENT_INTERFACE,
            LabTopology.CLIENT4 + "/" + LabTopology.CLIENT_PREFIX4, LabTopology.CLIENT6 + "/" + LabTopology.CLIENT_PREFIX6);
        address(router.namespace(), LabTopology.ROUTER_CLIENT_INTERFACE,
            LabTopology.ROUTER_CLIENT4 + "/" + LabTopology.CLIENT_PREFIX4,
            LabTopology.ROUTER_CLIENT6 + "/" + LabTopology.CLIENT_PREFIX6);
        Commands.checkIn(client.namespace(), "ip", "link", "set", LabTopology.CLIENT_INTERFACE, "up");
        Commands.checkIn(router.namespace(), "ip", "link", "set", LabTopology.ROUTER_CLIENT_INTERFACE, "up");
        defaultRoutes(client.namespace(), LabTopology.ROUTER_CLIENT4, LabTopology.ROUTER_CLIENT6);
        // A veth hands the peer packets whose TCP/UDP checksum is left for hardware that does not exist; routed, they
        // reach the balancer's raw socket still unsummed, and the backend would drop them after decapsulation.
        // A real client's NIC fills the checksum in: so does the client here, in software.
        Commands.checkIn(client.namespace(), "ethtool", "-K", LabTopology.CLIENT_INTERFACE, "tx", "off");
        out.printf("client net: client %s, %s -> router %s, %s (client's default route)%n",
            LabTopology.CLIENT4, LabTopology.CLIENT6, LabTopology.ROUTER_CLIENT4, LabTopology.ROUTER_CLIENT6);
    }

    private void wireServerLan()
    {
        final String lan = topology.lan().namespace();
        // Multicast snooping off: with it on, a bridge without an MLD/IGMP querier can drop VRRP adverts
        // (224.0.0.18, ff02::12) and neighbour solicitations to solicited-node groups.
        Commands.checkIn(lan, "ip", "link", "add", LabTopology.BRIDGE, "type", "bridge", "mcast_snooping", "0");
        Commands.checkIn(lan, "ip", "link", "set", LabTopology.BRIDGE, "up");
        for (final LabNode node : topology.nodes())
        {
            if (node.lanInterface() == null)
            {
                continue;
            }
            Commands.check("ip", "link", "add", node.lanInterface(), "netns", node.namespace(), "address", node.mac(),
                "type", "veth", "peer", "name", node.name(), "netns", lan);
            Commands.checkIn(lan, "ip", "link", "set", node.name(), "master", LabTopology.BRIDGE, "up");
            address(node.namespace(), node.lanInterface(), node.lan4() + "/" + LabTopology.LAN_PREFIX4,
                node.lan6() + "/" + LabTopology.LAN_PREFIX6);
            Commands.checkIn(node.namespace(), "ip", "link", "set", node.lanInterface(), "up");
            if (node.role() != LabNode.Role.ROUTER)
            {
                defaultRoutes(node.namespace(), LabTopology.ROUTER_LAN4, LabTopology.ROUTER_LAN6);
            }
            else
            {
                // The router's own connections to a VIP (as the client's, see wireClientNet) leave with their
                // checksums filled in, or the backend drops them after decapsulation.
                Commands.checkIn(node.namespace(), "ethtool", "-K", node.lanInterface(), "tx", "off");
            }
            out.printf("server LAN: %-6s %-11s %-14s %s on bridge %s%n", node.name(), node.lan4(), node.lan6(),
                node.mac(), LabTopology.BRIDGE);
        }
    }

    /** The pair's own link for connection sync, apart from the LAN its traffic and VRRP use. */
    private void wireSyncLink()
    {
        final LabNode lb1 = topology.primaryBalancer();
        final LabNode lb2 = topology.node("lb2");
        Commands.check("ip", "link", "add", LabTopology.SYNC_INTERFACE, "netns", lb1.namespace(), "type", "veth",
            "peer", "name", LabTopology.SYNC_INTERFACE, "netns", lb2.namespace());
        Commands.checkIn(lb1.namespace(), "ip", "address", "add",
            LabTopology.SYNC_LB1 + "/" + LabTopology.SYNC_PREFIX, "dev", LabTopology.SYNC_INTERFACE);
        Commands.checkIn(lb2.namespace(), "ip", "address", "add",
            LabTopology.SYNC_LB2 + "/" + LabTopology.SYNC_PREFIX, "dev", LabTopology.SYNC_INTERFACE);
        Commands.checkIn(lb1.namespace(), "ip", "link", "set", LabTopology.SYNC_INTERFACE, "up");
        Commands.checkIn(lb2.namespace(), "ip", "link", "set", LabTopology.SYNC_INTERFACE, "up");
        out.printf("sync link: lb1 %s <-> lb2 %s on %s%n", LabTopology.SYNC_LB1, LabTopology.SYNC_LB2,
            LabTopology.SYNC_INTERFACE);
    }

    private void placeVips()
    {
        final LabNode owner = topology.primaryBalancer();
        // On the balancer's LAN port the kernel answers ARP and neighbour solicitations for the VIPs, so the
        // router (as an upstream router would) sends VIP traffic to it; VRRP later moves them to lb2.
        Commands.checkIn(owner.namespace(), "ip", "address", "add", LabTopology.VIP4 + "/32", "dev", owner.lanInterface());
        // preferred_lft 0: the VIP is deprecated as a source address, so the balancer's own connections (health
        // checks) leave from its LAN address; with the VIP as source the backend (which has the VIP on loopback)
        // would answer itself.
        Commands.checkIn(owner.namespace(), "ip", "address", "add", LabTopology.VIP6 + "/128", "dev",
            owner.lanInterface(), "nodad", "preferred_lft", "0");
        out.printf("VIPs %s and %s on %s %s%n", LabTopology.VIP4, LabTopology.VIP6, owner.name(), owner.lanInterface());
        for (final LabNode backend : topology.backends())
        {
            final String ns = backend.namespace();
            // The backend accepts VIP traffic but must never claim the VIP on the LAN: arp_ignore=1 answers only
            // for addresses on the asking interface, arp_announce=2 never uses the VIP as an ARP source. IPv6
            // needs nothing: the kernel answers solicitations only for addresses on the interface asked.
            // rp_filter=0: decapsulated packets carry the client's address as source.
            sysctl(ns, "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                "net.ipv4.conf." + backend.lanInterface() + ".rp_filter=0");
            Commands.checkIn(ns, "ip", "address", "add", LabTopology.VIP4 + "/32", "dev", "lo");
            Commands.checkIn(ns, "ip", "address", "add", LabTopology.VIP6 + "/128", "dev", "lo", "nodad");
        }
        out.println("backends: VIPs on loopback, arp_ignore=1, arp_announce=2, rp_filter=0, "
            + "default routes via the router (direct server return)");
    }

    /** Takes the VIPs placed on lb1 off its LAN port: VRRP owns them from now on (adds, announces, removes them). */
    void handVipsToVrrp()
    {
        final LabNode lb1 = topology.primaryBalancer();
        Commands.runIn(lb1.namespace(), Commands.DEFAULT_LIMIT, "ip", "address", "del", LabTopology.VIP4 + "/32",
            "dev", lb1.lanInterface());
        Commands.runIn(lb1.namespace(), Commands.DEFAULT_LIMIT, "ip", "address", "del", LabTopology.VIP6 + "/128",
            "dev", lb1.lanInterface());
    }

    /**
     * Waits until every link the lab set up is operationally up: the kernel applies carrier changes (and IPv6
     * readiness with them) from its link-watch work, which it may defer by up to a second, and a packet sent before
     * that can be dropped.
     */
    void awaitLinksUp()
    {
        final Instant deadline = Instant.now().plus(Duration.ofSeconds(5));
        for (final LabNode node : topology.nodes())
        {
            while (true)
            {
                final String links = Commands.checkIn(node.namespace(), "ip", "-o", "link", "show", "up");
                final boolean settled = links.lines()
                    .filter(line -> !line.contains("LOOPBACK") && !line.contains(" ipip") && !line.contains("tnl"))
                    .allMatch(line -> line.contains("state UP") && !line.contains("qdisc noop"));
                if (settled)
                {
                    break;
                }
                if (Instant.now().isAfter(deadline))
                {
                    throw new LabException("the links of " + node.name() + " did not come up within 5 s: " + links);
                }
                LabProcesses.pause(Duration.ofMillis(20));
            }
        }
    }

    /** Sets a node's LAN port administratively up or down (a box whose cable is pulled, and plugged back). */
    void setLanPort(final LabNode node, final boolean up)
    {
        Commands.checkIn(node.namespace(), "ip", "link", "set", node.lanInterface(), up ? "up" : "down");
        if (up && node.role() != LabNode.Role.ROUTER)
        {
            // Setting a port down deletes the routes through it, the default routes too: a proxy's answers to the
            // client leave through them (direct server return's do not, which is why only the proxy missed them).
            Commands.checkIn(node.namespace(), "ip", "route", "replace", "default", "via", LabTopology.ROUTER_LAN4);
            Commands.checkIn(node.namespace(), "ip", "-6", "route", "replace", "default", "via",
                LabTopology.ROUTER_LAN6);
        }
    }

    /** This lab's namespaces that exist now, judged by their name. */
    List<String> existingNamespaces()
    {
        final List<String> names = new ArrayList<>();
        for (final String line : Commands.check("ip", "netns", "list").split("\n"))
        {
            final String name = line.strip().split("\\s+")[0];
            if (!name.isEmpty() && topology.owns(name))
            {
                names.add(name);
            }
        }
        return names;
    }

    /** Deletes a namespace (its veth ends and the bridge go with it); throws when it is still there after. */
    void deleteNamespace(final String ns)
    {
        final CommandResult delete = Commands.run(Commands.DEFAULT_LIMIT, List.of("ip", "netns", "delete", ns));
        if (!delete.succeeded() && existingNamespaces().contains(ns))
        {
            throw new LabException("cannot remove namespace " + ns + ": " + delete.failure());
        }
    }

    private static void address(final String ns, final String device, final String cidr4, final String cidr6)
    {
        Commands.checkIn(ns, "ip", "address", "add", cidr4, "dev", device);
        Commands.checkIn(ns, "ip", "address", "add", cidr6, "dev", device, "nodad");
    }

    private static void defaultRoutes(final String ns, final String gateway4, final String gateway6)
    {
        Commands.checkIn(ns, "ip", "route", "add", "default", "via", gateway4);
        Commands.checkIn(ns, "ip", "-6", "route", "add", "default", "via", gateway6);
    }

    private static void sysctl(final String ns, final String... settings)
    {
        final List<String> command = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        command.addAll(List.of(settings));
        Commands.checkIn(ns, command.toArray(String[]::new));
    }
}
