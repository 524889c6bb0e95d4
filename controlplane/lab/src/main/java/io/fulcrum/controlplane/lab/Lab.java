package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;
import io.fulcrum.dataplane.sys.Privileges;

/**
 * The virtual lab behind {@code sudo ./fulcrum lab}: network namespaces and veth links on this machine laid out as a
 * user would deploy Fulcrum (see {@link LabTopology}). Every method that changes the machine is safe to call from a
 * later process: what the lab made is recorded in {@link LabState} as it is made, and {@link #down()} removes every
 * namespace and process the lab made, also after an {@link #up()} that failed half-way, and is idempotent.
 *
 * <p>This class is what the lab's users (the {@code lab} command, the demo, the chaos suite, the tests, the failover
 * harness) drive; the work is done by {@link LabNetwork} (namespaces, links, addresses), {@link LabBackends} (the
 * backends' servers and decapsulation), {@link LabBalancers} (lb1 and lb2, with {@link LabKeepalived} in place of
 * Fulcrum's VRRP when asked), {@link LabInspector} (status, traffic, neighbour and bridge tables) and
 * {@link LabProcesses} (the processes it starts, their logs and pids).
 */
public final class Lab
{
    /** Where a lab's state and backend logs live unless told otherwise: tmpfs, gone after a reboot like the lab. */
    public static final Path STATE_ROOT = Path.of("/run/fulcrum-lab");

    private final LabTopology topology;
    private final Path stateDirectory;
    private final PrintStream out;
    private final LabProcesses processes;
    private final LabNetwork network;
    private final LabBackends backends;
    private final LabInspector inspector;
    private final LabBalancers balancers;

    public Lab(final LabTopology topology, final Path stateDirectory, final PrintStream out, final DecapHook decapHook)
    {
        this.topology = topology;
        this.stateDirectory = stateDirectory;
        this.out = out;
        this.processes = new LabProcesses(topology, stateDirectory);
        this.network = new LabNetwork(topology, out);
        this.backends = new LabBackends(topology, processes, new BackendDecap(decapHook), out);
        this.inspector = new LabInspector(topology, network, processes);
        this.balancers = new LabBalancers(topology, stateDirectory, network, processes, inspector, out);
    }

    public static Path defaultStateDirectory(final String prefix)
    {
        return STATE_ROOT.resolve(prefix);
    }

    /** Throws with a message the user can act on when the lab cannot run here. */
    public static void checkPrerequisites()
    {
        if (!Privileges.isRoot())
        {
            throw new LabException("fulcrum lab needs root: run sudo ./fulcrum lab");
        }
        if (!Commands.onPath("ip"))
        {
            throw new LabException("fulcrum lab needs the 'ip' command: install iproute2 (apt-get install iproute2)");
        }
        if (!Commands.onPath("sysctl"))
        {
            throw new LabException("fulcrum lab needs the 'sysctl' command: install procps (apt-get install procps)");
        }
        if (!Commands.onPath("ethtool"))
        {
            throw new LabException("fulcrum lab needs the 'ethtool' command: install ethtool (apt-get install ethtool)");
        }
    }

    public LabTopology topology()
    {
        return topology;
    }

    public Path stateFile()
    {
        return processes.stateFile();
    }

    /** Where the output of the process the lab started for {@code node} goes. */
    public Path logFile(final LabNode node)
    {
        return processes.logFile(node);
    }

    // ---------------------------------------------------------------------------------------------------------
    // up and down

    /**
     * Builds the whole lab and starts a server on every backend. On any failure it removes everything it made
     * (as {@link #down()} does) and throws. Refuses when a lab with this prefix is already up.
     */
    public void up()
    {
        checkPrerequisites();
        final List<String> leftovers = network.existingNamespaces();
        if (processes.state().exists() || !leftovers.isEmpty())
        {
            throw new LabException("a lab with prefix '" + topology.prefix() + "' is already up"
                + (leftovers.isEmpty() ? "" : " (namespaces " + String.join(", ", leftovers) + ")")
                + ": see 'fulcrum lab status', or remove it with 'sudo ./fulcrum lab down'");
        }
        final LabState state = LabState.create(stateFile(), topology.prefix());
        final Instant started = Instant.now();
        try
        {
            network.build(state);
            backends.start(state);
            backends.installDecap();
            network.awaitLinksUp();
            backends.awaitServing(state);
            out.printf("lab up in %d ms: %d namespaces, state in %s%n",
                Duration.between(started, Instant.now()).toMillis(), topology.nodes().size(), stateFile());
        }
        catch (final RuntimeException e)
        {
            out.println("lab up failed: " + e.getMessage());
            out.println("removing what it made...");
            try
            {
                down();
            }
            catch (final RuntimeException cleanup)
            {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Removes everything the lab made: the processes it recorded (checked to still be the lab's), any process left
     * inside its namespaces, the namespaces (their veth ends and the bridge go with them), its state and logs.
     * Finds namespaces both in the state file and by name, so it also cleans up after a crash. Idempotent.
     */
    public void down()
    {
        checkPrerequisites();
        final LabState state = processes.state();
        for (final Map.Entry<String, Long> process : state.processes().entrySet())
        {
            processes.find(process.getKey(), process.getValue()).ifPresent(handle ->
            {
                LabProcesses.stop(handle);
                out.printf("stopped the process of %s (pid %d)%n", process.getKey(), handle.pid());
            });
        }
        final Set<String> namespaces = new LinkedHashSet<>(state.namespaces());
        namespaces.addAll(network.existingNamespaces());
        final List<String> present = network.existingNamespaces();
        int removed = 0;
        for (final String ns : namespaces)
        {
            if (!present.contains(ns))
            {
                continue;
            }
            for (final long pid : LabProcesses.pidsIn(ns))
            {
                ProcessHandle.of(pid).ifPresent(handle ->
                {
                    LabProcesses.stop(handle);
                    out.printf("stopped pid %d that ran in %s%n", pid, ns);
                });
            }
            network.deleteNamespace(ns);
            removed++;
        }
        state.delete();
        deleteStateDirectory();
        out.println(removed == 0 ? "lab '" + topology.prefix() + "' is down (nothing was left to remove)"
            : "lab '" + topology.prefix() + "' is down: removed " + removed + " namespaces with their links");
    }

    private void deleteStateDirectory()
    {
        if (!Files.isDirectory(stateDirectory))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(stateDirectory))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException e)
        {
            throw new LabException("cannot remove " + stateDirectory + ": " + e.getMessage(), e);
        }
        try
        {
            if (STATE_ROOT.equals(stateDirectory.getParent()))
            {
                Files.deleteIfExists(STATE_ROOT);
            }
        }
        catch (final IOException stillInUse)
        {
            // Another lab (another prefix) keeps its state there too.
        }
    }

    /** True when the lab's state file exists (an up has at least begun and no down has run since). */
    public boolean isUp()
    {
        return Files.exists(stateFile());
    }

    /** This lab's namespaces that exist now, judged by their name. */
    public List<String> existingNamespaces()
    {
        return network.existingNamespaces();
    }

    /** The pid of each process the lab started (backend servers; the balancer) that is alive now, by node name. */
    public Map<String, Long> liveProcesses()
    {
        return processes.live();
    }

    // ---------------------------------------------------------------------------------------------------------
    // faults

    /**
     * Makes a node fail: for a backend, stops its HTTP server (or with {@code link}, takes its LAN port down);
     * for a balancer or the router, takes its LAN port down (a box that died with its VIP still configured).
     * Returns what it did.
     */
    public String kill(final String name, final boolean link)
    {
        checkPrerequisites();
        final LabNode node = withLanPort(name, "kill");
        if (node.isBackend() && !link)
        {
            return backends.stop(node);
        }
        network.setLanPort(node, false);
        return "took " + node.name() + "'s LAN port " + node.lanInterface() + " down";
    }

    /**
     * Undoes {@link #kill}: restarts a backend's HTTP server (and its XDP decap) or brings a node's LAN port back up.
     * Returns what it did.
     */
    public String revive(final String name)
    {
        checkPrerequisites();
        final LabNode node = withLanPort(name, "revive");
        network.setLanPort(node, true);
        if (!node.isBackend() || processes.live().containsKey(node.name()))
        {
            return node.name() + "'s LAN port " + node.lanInterface() + " is up";
        }
        return backends.restart(node);
    }

    /**
     * Slows a backend down: its HTTP server waits {@code millis} before each answer from now on (0: at once again),
     * as a loaded or distant server would; the kernel here has no netem to delay its packets. The delay lasts until
     * the server stops. Returns what the server said ({@code be2 delay 50 ms}).
     */
    public String delayBackend(final String name, final int millis)
    {
        final LabNode node = topology.node(name);
        if (!node.isBackend())
        {
            throw new LabException("lab delay works on the backends, not on " + node.name());
        }
        return backends.delay(node, millis);
    }

    private LabNode withLanPort(final String name, final String command)
    {
        final LabNode node = topology.node(name);
        if (node.lanInterface() == null)
        {
            throw new LabException("lab " + command + " works on the router, lb1, lb2 and the backends, not on "
                + node.name());
        }
        return node;
    }

    // ---------------------------------------------------------------------------------------------------------
    // what a user sees

    /** A plain-text report: each namespace, its addresses, and whether each backend's server is alive. */
    public String status()
    {
        checkPrerequisites();
        return inspector.status();
    }

    /** {@code requests} requests from the client to each VIP (IPv4 then IPv6), counted by the backend that answered. */
    public List<TrafficResult> traffic(final int requests)
    {
        return traffic(requests, List.of(LabTopology.VIP4, LabTopology.VIP6));
    }

    /** {@code requests} new connections from the client to each of {@code addresses}, counted by who answered. */
    public List<TrafficResult> traffic(final int requests, final List<String> addresses)
    {
        checkPrerequisites();
        return inspector.traffic(requests, addresses);
    }

    /**
     * Checks the plumbing without the balancer: from the client, through the router, to each backend's own LAN
     * address (IPv4 and IPv6), expecting the backend's name back. Returns one answer per request, keyed by URL.
     */
    public Map<String, Curl.Answer> reachBackendsDirectly()
    {
        return inspector.reachBackendsDirectly();
    }

    /**
     * The MAC the router has learned for each VIP, after making it resolve them (a TCP connection attempt to the
     * VIP makes the router ARP / solicit for it); an empty value when nobody answered. Shows who owns the VIPs.
     */
    public Map<String, String> vipOwnersSeenByRouter()
    {
        return inspector.vipOwnersSeenByRouter();
    }

    /** The MAC in the router's neighbour entry for {@code address} as it stands (no new resolution); empty if none. */
    public String routerNeighbour(final String address)
    {
        return inspector.routerNeighbour(address);
    }

    /**
     * The LAN's switch port (named for the node on it) where the bridge has learned {@code mac} (lower case, colons);
     * empty when it has not: where frames for a virtual MAC go.
     */
    public String switchPortOf(final String mac)
    {
        return inspector.switchPortOf(mac);
    }

    /** The MAC of a node's LAN port, read from its namespace ({@code ip -j link show}). */
    public String macOf(final LabNode node)
    {
        return inspector.macOf(node);
    }

    // ---------------------------------------------------------------------------------------------------------
    // the balancers

    /** The balancers of the pair: lb1 (the primary) and lb2. */
    public List<LabNode> balancers()
    {
        return balancers.nodes();
    }

    /** The config lb1 runs, for the given packet I/O and with the named backends left out of the pools. */
    public String balancerConfig(final String packetIo, final Set<String> left)
    {
        return balancers.config(topology.primaryBalancer(), packetIo, left);
    }

    public String balancerConfig()
    {
        return balancerConfig("auto", Set.of());
    }

    /** Writes lb1's config ({@link #balancerConfig(String, Set)}) into the state directory; returns its path. */
    public Path writeBalancerConfig(final String packetIo, final Set<String> left)
    {
        return balancers.writeConfig(topology.primaryBalancer(), packetIo, left);
    }

    /** Makes both VRRP instances of both balancers track pools from the next {@link #startBalancer} (null: none). */
    public void trackPools(final String flowList)
    {
        balancers.trackPools(flowList);
    }

    /** Turns the pair's connection sync on or off for the next {@link #startBalancer} (on by default). */
    public void sync(final boolean on)
    {
        balancers.sync(on);
    }

    /** Sets the pair's advert interval for the next {@link #startBalancer}; and whether keepalived runs VRRP. */
    public void vrrp(final Duration interval, final boolean useKeepalived)
    {
        balancers.vrrp(interval, useKeepalived);
    }

    /**
     * The file holding the token of lb1's management API (made once per lab, readable by root only):
     * {@code sudo ip netns exec fl-lb1 ./fulcrum ctl --token-file FILE status}.
     */
    public Path apiToken()
    {
        return balancers.apiToken();
    }

    /** Runs {@code fulcrum ctl ARGS} inside lb1 against its management API, as an operator would. */
    public CommandResult ctl(final String... arguments)
    {
        return balancers.ctl(arguments);
    }

    /** Where lb1's counters file lives: {@code fulcrum stat --file PATH} reads it. */
    public Path balancerCounters()
    {
        return balancers.counters(topology.primaryBalancer());
    }

    /** Where a balancer's (lb1's or lb2's) counters file lives. */
    public Path balancerCounters(final String name)
    {
        return balancers.counters(topology.node(name));
    }

    /** Where a balancer's connection tables live ({@code PATH.0}, {@code PATH.backend-ids}...; see the config). */
    public Path connectionTable(final String name)
    {
        return balancers.connectionTable(topology.node(name));
    }

    /**
     * Starts {@code fulcrum run} on lb1 and lb2 as a VRRP pair on configs written for {@code packetIo}: the VIPs the
     * lab placed on lb1 are handed to VRRP, which gives them to lb1 (the higher priority) and moves them to lb2 when
     * lb1 fails. Records the pids (so {@link #down()} stops them) and waits until lb1 is master and forwards.
     */
    public void startBalancer(final String packetIo)
    {
        startBalancer(packetIo, Set.of());
    }

    /** {@link #startBalancer(String)} with the named backends left out of the pools (a reload may add them later). */
    public void startBalancer(final String packetIo, final Set<String> left)
    {
        balancers.start(packetIo, left);
    }

    /**
     * kill -9 of {@code fulcrum run} on a balancer, as a crash: nothing is cleaned up (the VIPs it held stay on its
     * port, its connection table stays in its file). Waits until the process is gone.
     */
    public void crashBalancer(final String name)
    {
        balancers.crash(topology.node(name));
    }

    /**
     * Starts {@code fulcrum run} on a balancer again with the config the lab last wrote for it (after
     * {@link #crashBalancer}, an upgrade...); waits until it forwards and, on lb1 with VRRP, is master again.
     */
    public long restartBalancer(final String name)
    {
        return balancers.restart(topology.node(name));
    }

    /**
     * Takes backends out of the pair's pools (or puts them all back, with an empty set) by rewriting both configs and
     * sending SIGHUP, as an operator would; waits until both balancers have reloaded.
     */
    public void reloadBalancer(final Set<String> left)
    {
        balancers.reload(left);
    }

    /**
     * Puts the lab's http proxy service ({@link LabTopology#PROXY_VIP4}) under another scheduler, e.g.
     * {@code least-response-time}: both configs rewritten and reloaded by SIGHUP when the pair runs, else from the
     * next {@link #startBalancer}.
     */
    public void proxyScheduler(final String scheduler)
    {
        balancers.proxyScheduler(scheduler);
    }

    /**
     * Stops both balancers with SIGTERM (each detaches its XDP program, closes its sockets and, as VRRP master, sends
     * priority 0 and gives its VIPs up) and waits for them.
     */
    public void stopBalancer()
    {
        balancers.stop();
    }

    /** True while the balancer the lab started on lb1 is alive. */
    public boolean balancerRunning()
    {
        return balancers.primaryRunning();
    }
}
