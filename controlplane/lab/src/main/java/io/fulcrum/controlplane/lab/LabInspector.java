package io.fulcrum.controlplane.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

/**
 * Looks at a lab from its nodes, as a user would check it: the status report, requests from the client counted by
 * the backend that answered, the router's neighbour entries (who owns a VIP), the switch's forwarding table (where
 * frames for a MAC go) and a port's MAC. It changes nothing but the neighbour caches a request fills.
 */
final class LabInspector
{
    private static final Pattern MAC = Pattern.compile("\"address\"\\s*:\\s*\"([0-9a-f]{2}(?::[0-9a-f]{2}){5})\"");
    private static final Pattern LLADDR = Pattern.compile("lladdr ([0-9a-f]{2}(?::[0-9a-f]{2}){5})");

    private final LabTopology topology;
    private final LabNetwork network;
    private final LabProcesses processes;

    LabInspector(final LabTopology topology, final LabNetwork network, final LabProcesses processes)
    {
        this.topology = topology;
        this.network = network;
        this.processes = processes;
    }

    /** A plain-text report: each namespace, its addresses, and whether each backend's server is alive. */
    String status()
    {
        final LabState state = processes.state();
        final List<String> present = network.existingNamespaces();
        if (!state.exists() && present.isEmpty())
        {
            return "lab '" + topology.prefix() + "' is not up (start it with: sudo ./fulcrum lab up)\n";
        }
        final StringBuilder report = new StringBuilder("lab '" + topology.prefix() + "', state "
            + processes.stateFile() + "\n");
        final Map<String, Long> live = processes.live();
        for (final LabNode node : topology.nodes())
        {
            if (!present.contains(node.namespace()))
            {
                report.append(String.format("%-8s namespace %s MISSING%n", node.name(), node.namespace()));
                continue;
            }
            report.append(String.format("%-8s namespace %s%n", node.name(), node.namespace()));
            final CommandResult addresses = Commands.runIn(node.namespace(), Commands.DEFAULT_LIMIT,
                "ip", "-brief", "address", "show");
            for (final String line : addresses.stdout().split("\n"))
            {
                if (!line.isBlank() && !(line.startsWith("lo ") && !node.isBackend()))
                {
                    report.append("         ").append(line.strip().replaceAll("\\s+", " ")).append('\n');
                }
            }
            final Long pid = state.processes().get(node.name());
            if (node.isBackend() || pid != null)
            {
                report.append(node.isBackend() ? "         http server: " : "         process: ")
                    .append(pid == null ? "never started"
                    : live.containsKey(node.name()) ? "pid " + pid + " alive" : "pid " + pid + " NOT running")
                    .append('\n');
            }
        }
        return report.toString();
    }

    /** {@code requests} new connections from the client to each of {@code addresses}, counted by who answered. */
    List<TrafficResult> traffic(final int requests, final List<String> addresses)
    {
        final List<TrafficResult> results = new ArrayList<>();
        for (final String address : addresses)
        {
            final String url = Curl.url(address);
            final Map<String, Integer> answers = new LinkedHashMap<>();
            final Map<String, Integer> failures = new LinkedHashMap<>();
            for (final Curl.Answer answer : Curl.getEach(topology.client().namespace(), url, requests))
            {
                (answer.ok() ? answers : failures).merge(answer.text(), 1, Integer::sum);
            }
            results.add(new TrafficResult(url, requests, answers, failures));
        }
        return results;
    }

    /**
     * From the client, through the router, to each backend's own LAN address (IPv4 and IPv6), expecting the
     * backend's name back. Returns one answer per request, keyed by URL.
     */
    Map<String, Curl.Answer> reachBackendsDirectly()
    {
        final Map<String, Curl.Answer> answers = new LinkedHashMap<>();
        for (final LabNode backend : topology.backends())
        {
            for (final String address : List.of(backend.lan4(), backend.lan6()))
            {
                final String url = Curl.url(address);
                answers.put(url, Curl.get(topology.client().namespace(), url));
            }
        }
        return answers;
    }

    /**
     * The MAC the router has learned for each VIP, after making it resolve them (a TCP connection attempt to the
     * VIP makes the router ARP / solicit for it); an empty value when nobody answered.
     */
    Map<String, String> vipOwnersSeenByRouter()
    {
        final Map<String, String> owners = new LinkedHashMap<>();
        for (final String vip : List.of(LabTopology.VIP4, LabTopology.VIP6))
        {
            Curl.get(topology.router().namespace(), Curl.url(vip));
            owners.put(vip, routerNeighbour(vip));
        }
        return owners;
    }

    /** The MAC in the router's neighbour entry for {@code address} as it stands (no new resolution); empty if none. */
    String routerNeighbour(final String address)
    {
        final CommandResult neighbour = Commands.runIn(topology.router().namespace(), Commands.DEFAULT_LIMIT,
            "ip", "neigh", "show", address, "dev", topology.router().lanInterface());
        final Matcher lladdr = LLADDR.matcher(neighbour.stdout());
        return lladdr.find() ? lladdr.group(1) : "";
    }

    /** The LAN's switch port (named for the node on it) where the bridge has learned {@code mac}; empty if none. */
    String switchPortOf(final String mac)
    {
        final Matcher port = Pattern.compile("(?m)^" + Pattern.quote(mac) + " dev (\\S+) master").matcher(
            Commands.checkIn(topology.lan().namespace(), "bridge", "fdb", "show", "br", LabTopology.BRIDGE));
        return port.find() ? port.group(1) : "";
    }

    /** The MAC of a node's LAN port, read from its namespace ({@code ip -j link show}). */
    String macOf(final LabNode node)
    {
        final String json = Commands.checkIn(node.namespace(), "ip", "-j", "link", "show", node.lanInterface());
        final Matcher mac = MAC.matcher(json);
        if (!mac.find())
        {
            throw new LabException("no MAC address for " + node.name() + " " + node.lanInterface() + " in: " + json);
        }
        return mac.group(1);
    }
}
