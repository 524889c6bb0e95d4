package io.fulcrum.controlplane.lab.chaos;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fulcrum.controlplane.lab.Lab;
import io.fulcrum.controlplane.lab.LabException;
import io.fulcrum.controlplane.lab.LabNode;
import io.fulcrum.controlplane.lab.LabTopology;
import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

/**
 * The faults the suite injects into a lab, each as an operator or a broken network would cause it, and the undoing of
 * all of them. Packet filters live in an nftables table of their own ({@value #TABLE}) in the namespace they act in:
 * the balancer's data plane reads its port with XDP or AF_PACKET, ahead of netfilter in its own namespace, so a
 * partition is made on the switch (the bridge's forward hook), and sync loss on the output hook of the balancers,
 * where the sync daemon's UDP sockets send.
 */
public final class Faults
{
    static final String TABLE = "fulcrum_chaos";
    private static final Duration EXIT_LIMIT = Duration.ofSeconds(30);
    private static final Pattern PACKETS = Pattern.compile("counter packets (\\d+)");

    private final Lab lab;

    public Faults(final Lab lab)
    {
        this.lab = lab;
    }

    /** SIGKILL ({@code kill -9}) or SIGTERM (a graceful stop) to {@code fulcrum run} on a balancer; waits for its end. */
    public String signalBalancer(final String name, final boolean kill)
    {
        final Long pid = lab.liveProcesses().get(name);
        if (pid == null)
        {
            throw new LabException("fulcrum run on " + name + " is not running");
        }
        final ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() ->
            new LabException("fulcrum run on " + name + " (pid " + pid + ") is gone"));
        if (kill)
        {
            handle.destroyForcibly();
        }
        else
        {
            handle.destroy();
        }
        try
        {
            handle.onExit().get(EXIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final Exception e)
        {
            handle.destroyForcibly();
            throw new LabException("fulcrum run on " + name + " did not exit within " + EXIT_LIMIT.toSeconds() + " s");
        }
        return (kill ? "kill -9" : "SIGTERM") + " to fulcrum run on " + name + " (pid " + pid + ")";
    }

    /** The switch stops forwarding every frame from and to {@code name}'s port; the node's link stays up. */
    public String partition(final String name)
    {
        final LabNode node = lab.topology().node(name);
        final String lan = lab.topology().lan().namespace();
        Commands.checkIn(lan, "nft", "add", "table", "bridge", TABLE);
        Commands.checkIn(lan, "nft", "add", "chain", "bridge", TABLE, "forward",
            "{ type filter hook forward priority 0; policy accept; }");
        // The bridge port is named after the node (Lab wires each node's veth peer into the bridge under its name).
        Commands.checkIn(lan, "nft", "add", "rule", "bridge", TABLE, "forward", "iifname", node.name(), "counter", "drop");
        Commands.checkIn(lan, "nft", "add", "rule", "bridge", TABLE, "forward", "oifname", node.name(), "counter", "drop");
        return "the switch drops every frame from and to " + name;
    }

    public String heal()
    {
        Commands.runIn(lab.topology().lan().namespace(), Commands.DEFAULT_LIMIT, "nft", "delete", "table", "bridge", TABLE);
        return "the switch forwards again";
    }

    /**
     * Each UDP datagram to or from the sync port leaving either balancer is dropped with probability
     * {@code percent}/100 (nftables numgen: this kernel has no netem), counted.
     */
    public String lossySync(final int port, final int percent)
    {
        for (final LabNode balancer : lab.balancers())
        {
            final String ns = balancer.namespace();
            Commands.checkIn(ns, "nft", "add", "table", "inet", TABLE);
            Commands.checkIn(ns, "nft", "add", "chain", "inet", TABLE, "output",
                "{ type filter hook output priority 0; policy accept; }");
            final String p = Integer.toString(port);
            // Two exclusive rules, so a datagram from the port to the port is dropped with the same probability.
            Commands.checkIn(ns, "nft", "add", "rule", "inet", TABLE, "output", "udp", "dport", p,
                "numgen", "random", "mod", "100", "<", Integer.toString(percent), "counter", "drop");
            Commands.checkIn(ns, "nft", "add", "rule", "inet", TABLE, "output", "udp", "sport", p, "udp", "dport", "!=",
                p, "numgen", "random", "mod", "100", "<", Integer.toString(percent), "counter", "drop");
        }
        return "the balancers drop " + percent + "% of the sync datagrams (udp port " + port + ") they send";
    }

    /** Datagrams the lossy sync link has dropped so far (both balancers). */
    public long syncDrops()
    {
        long drops = 0;
        for (final LabNode balancer : lab.balancers())
        {
            final CommandResult table = Commands.runIn(balancer.namespace(), Commands.DEFAULT_LIMIT,
                "nft", "list", "table", "inet", TABLE);
            final Matcher packets = PACKETS.matcher(table.stdout());
            while (packets.find())
            {
                drops += Long.parseLong(packets.group(1));
            }
        }
        return drops;
    }

    /** Removes every filter of the suite and brings both balancers' LAN ports up; harmless when nothing is there. */
    public void clear()
    {
        heal();
        for (final LabNode balancer : lab.balancers())
        {
            Commands.runIn(balancer.namespace(), Commands.DEFAULT_LIMIT, "nft", "delete", "table", "inet", TABLE);
            Commands.runIn(balancer.namespace(), Commands.DEFAULT_LIMIT, "ip", "link", "set", balancer.lanInterface(),
                "up");
        }
    }

    /** True when {@code name} holds the IPv4 VIP (on its LAN port, or on the virtual MAC's macvlan there). */
    public boolean holdsVip(final String name)
    {
        final LabNode node = lab.topology().node(name);
        final CommandResult addresses = Commands.runIn(node.namespace(), Commands.DEFAULT_LIMIT,
            "ip", "-o", "-4", "address", "show");
        return addresses.stdout().contains(" " + LabTopology.VIP4 + "/");
    }

    /** The balancers whose fulcrum run is alive. */
    public List<String> liveBalancers()
    {
        return lab.balancers().stream().map(LabNode::name).filter(lab.liveProcesses()::containsKey).toList();
    }
}
