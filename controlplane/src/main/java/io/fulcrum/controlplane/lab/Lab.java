package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;
import io.fulcrum.dataplane.sys.Privileges;

/**
 * The virtual lab behind {@code sudo ./fulcrum lab}: network namespaces and veth links on this machine laid out as a
 * user would deploy Fulcrum (see {@link LabTopology}). Every method that changes the machine is safe to call from a
 * later process: what the lab made is recorded in {@link LabState} as it is made, and {@link #down()} removes every
 * namespace and process the lab made, also after an {@link #up()} that failed half-way, and is idempotent.
 */
public final class Lab
{
    /** Where a lab's state and backend logs live unless told otherwise: tmpfs, gone after a reboot like the lab. */
    public static final Path STATE_ROOT = Path.of("/run/fulcrum-lab");

    private static final Duration BACKEND_START_LIMIT = Duration.ofSeconds(30);
    /** fulcrum run starts in 1 to 3 s (JVM, XDP program, backend MACs); this is the ceiling on a loaded machine. */
    private static final Duration BALANCER_START_LIMIT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);
    private static final Path NETNS_DIRECTORY = Path.of("/run/netns");
    private static final Pattern MAC = Pattern.compile("\"address\"\\s*:\\s*\"([0-9a-f]{2}(?::[0-9a-f]{2}){5})\"");
    private static final Pattern LLADDR = Pattern.compile("lladdr ([0-9a-f]{2}(?::[0-9a-f]{2}){5})");

    private final LabTopology topology;
    private final Path stateDirectory;
    private final PrintStream out;
    private final BackendDecap decap;

    public Lab(final LabTopology topology, final Path stateDirectory, final PrintStream out, final DecapHook decapHook)
    {
        this.topology = topology;
        this.stateDirectory = stateDirectory;
        this.out = out;
        this.decap = new BackendDecap(decapHook);
    }

    /** The lab a user gets: prefix {@code fl}, state under /run/fulcrum-lab/fl. */
    public static Lab standard(final PrintStream out)
    {
        return new Lab(new LabTopology(LabTopology.DEFAULT_PREFIX), defaultStateDirectory(LabTopology.DEFAULT_PREFIX),
            out, DecapHook.XDP_IN_SERVER);
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
        return stateDirectory.resolve("state");
    }

    /** Where the output of the process the lab started for {@code node} goes. */
    public Path logFile(final LabNode node)
    {
        return stateDirectory.resolve(node.name() + ".log");
    }

    // ---------------------------------------------------------------------------------------------------------
    // up

    /**
     * Builds the whole lab and starts a server on every backend. On any failure it removes everything it made
     * (as {@link #down()} does) and throws. Refuses when a lab with this prefix is already up.
     */
    public void up()
    {
        checkPrerequisites();
        final List<String> leftovers = existingNamespaces();
        if (LabState.load(stateFile(), topology.prefix()).exists() || !leftovers.isEmpty())
        {
            throw new LabException("a lab with prefix '" + topology.prefix() + "' is already up"
                + (leftovers.isEmpty() ? "" : " (namespaces " + String.join(", ", leftovers) + ")")
                + ": see 'fulcrum lab status', or remove it with 'sudo ./fulcrum lab down'");
        }
        final LabState state = LabState.create(stateFile(), topology.prefix());
        final Instant started = Instant.now();
        try
        {
            makeNamespaces(state);
            wireClientNet();
            wireServerLan();
            wireSyncLink();
            placeVips();
            startBackends(state);
            installDecap();
            awaitLinksUp();
            awaitBackends(state);
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

    private void startBackends(final LabState state)
    {
        for (final LabNode backend : topology.backends())
        {
            startBackend(state, backend);
        }
    }

    private void startBackend(final LabState state, final LabNode backend)
    {
        final List<String> arguments = new ArrayList<>(List.of("--lab", topology.prefix(), "--name",
            backend.name(), "--port", String.valueOf(LabTopology.HTTP_PORT)));
        if (!BackendDecap.kernelHasTunnels(backend))
        {
            arguments.addAll(List.of("--xdp-decap", backend.lanInterface(), "--local", backend.lan4(),
                "--local", backend.lan6()));
        }
        final long pid = startProcess(state, backend, javaCommand(
            List.of("-Xms8m", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED"),
            LabBackendServer.class.getName(), arguments));
        out.printf("started the HTTP server of %s (pid %d, log %s)%n", backend.name(), pid, logFile(backend));
    }

    /**
     * Undoes {@link #kill}: restarts a backend's HTTP server (and its XDP decap) or brings a node's LAN port back up.
     * Returns what it did.
     */
    public String revive(final String name)
    {
        checkPrerequisites();
        final LabNode node = topology.node(name);
        if (node.lanInterface() == null)
        {
            throw new LabException("lab revive works on the router, lb1, lb2 and the backends, not on " + node.name());
        }
        Commands.checkIn(node.namespace(), "ip", "link", "set", node.lanInterface(), "up");
        if (!node.isBackend() || liveProcesses().containsKey(node.name()))
        {
            return node.name() + "'s LAN port " + node.lanInterface() + " is up";
        }
        final LabState state = LabState.load(stateFile(), topology.prefix());
        final int logStart = logText(node).length();
        startBackend(state, node);
        awaitLog(node, logStart, state.processes().get(node.name()), LabBackendServer.READY_LINE,
            BACKEND_START_LIMIT, "the HTTP server of " + node.name());
        return "restarted the HTTP server of " + node.name();
    }

    /**
     * A command line that runs {@code mainClass} of this very build (the running java binary and class path:
     * the fulcrum jar, or the test class path) with the given JVM options and arguments.
     */
    public static List<String> javaCommand(final List<String> jvmOptions, final String mainClass,
        final List<String> arguments)
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(arguments);
        return command;
    }

    /**
     * Starts a long-running command inside {@code node}'s namespace, detached (it outlives this process), its output
     * in the state directory as {@code NODE.log}, and records its pid under the node's name so that status shows it
     * and down stops it. One recorded process per node. Returns the pid.
     */
    public long startProcess(final LabNode node, final List<String> command)
    {
        return startProcess(LabState.load(stateFile(), topology.prefix()), node, command);
    }

    private long startProcess(final LabState state, final LabNode node, final List<String> command)
    {
        final Process process = Commands.startDetached(Commands.inNamespace(node.namespace(), command), logFile(node));
        state.recordProcess(node.name(), process.pid());
        return process.pid();
    }

    private void installDecap()
    {
        for (final LabNode backend : topology.backends())
        {
            out.println(backend.name() + ": " + decap.install(backend));
        }
    }

    private void awaitBackends(final LabState state)
    {
        final Instant deadline = Instant.now().plus(BACKEND_START_LIMIT);
        for (final LabNode backend : topology.backends())
        {
            final long pid = state.processes().get(backend.name());
            while (!logText(backend).contains(LabBackendServer.READY_LINE))
            {
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                {
                    throw new LabException("the HTTP server of " + backend.name() + " exited: "
                        + logText(backend).strip());
                }
                if (Instant.now().isAfter(deadline))
                {
                    throw new LabException("the HTTP server of " + backend.name() + " did not start within "
                        + BACKEND_START_LIMIT.toSeconds() + " s: " + logText(backend).strip());
                }
                pause(Duration.ofMillis(50));
            }
            // Listening is not yet serving: one request from inside the backend (over its loopback) proves it, and
            // loads the JVM's HTTP classes before the first real client arrives.
            final Curl.Answer answer = Curl.get(backend.namespace(), Curl.url("127.0.0.1"));
            if (!answer.ok() || !answer.text().equals(backend.name()))
            {
                throw new LabException("the HTTP server of " + backend.name() + " does not answer on its own "
                    + "loopback: " + answer.text());
            }
        }
        out.println("all " + topology.backends().size() + " backend servers answer on port " + LabTopology.HTTP_PORT);
    }

    /**
     * Waits until every link the lab set up is operationally up: the kernel applies carrier changes (and IPv6
     * readiness with them) from its link-watch work, which it may defer by up to a second, and a packet sent before
     * that can be dropped.
     */
    private void awaitLinksUp()
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
                pause(Duration.ofMillis(20));
            }
        }
    }

    private String logText(final LabNode node)
    {
        try
        {
            return Files.exists(logFile(node)) ? Files.readString(logFile(node), StandardCharsets.UTF_8) : "";
        }
        catch (final IOException e)
        {
            return "";
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

    // ---------------------------------------------------------------------------------------------------------
    // down

    /**
     * Removes everything the lab made: the processes it recorded (checked to still be the lab's), any process left
     * inside its namespaces, the namespaces (their veth ends and the bridge go with them), its state and logs.
     * Finds namespaces both in the state file and by name, so it also cleans up after a crash. Idempotent.
     */
    public void down()
    {
        checkPrerequisites();
        final LabState state = LabState.load(stateFile(), topology.prefix());
        for (final Map.Entry<String, Long> process : state.processes().entrySet())
        {
            labProcess(process.getKey(), process.getValue()).ifPresent(handle ->
            {
                stop(handle);
                out.printf("stopped the process of %s (pid %d)%n", process.getKey(), handle.pid());
            });
        }
        final Set<String> namespaces = new LinkedHashSet<>(state.namespaces());
        namespaces.addAll(existingNamespaces());
        final List<String> present = existingNamespaces();
        int removed = 0;
        for (final String ns : namespaces)
        {
            if (!present.contains(ns))
            {
                continue;
            }
            for (final long pid : pidsIn(ns))
            {
                ProcessHandle.of(pid).ifPresent(handle ->
                {
                    stop(handle);
                    out.printf("stopped pid %d that ran in %s%n", pid, ns);
                });
            }
            final CommandResult delete = Commands.run(Commands.DEFAULT_LIMIT, List.of("ip", "netns", "delete", ns));
            if (!delete.succeeded() && existingNamespaces().contains(ns))
            {
                throw new LabException("cannot remove namespace " + ns + ": " + delete.failure());
            }
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

    /** This lab's namespaces that exist now, judged by their name. */
    public List<String> existingNamespaces()
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

    private static List<Long> pidsIn(final String ns)
    {
        final CommandResult result = Commands.run(Commands.DEFAULT_LIMIT, List.of("ip", "netns", "pids", ns));
        final List<Long> pids = new ArrayList<>();
        if (result.succeeded())
        {
            for (final String line : result.stdout().split("\n"))
            {
                if (!line.isBlank())
                {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        }
        return pids;
    }

    /**
     * The live process with this pid if it still runs inside {@code node}'s namespace: a recorded pid may have been
     * reused by an unrelated process since, which must never be signalled. The check compares the process's network
     * namespace (/proc/PID/ns/net) with the namespace's file (/run/netns/NAME), by inode; a backend server whose
     * namespace file is gone is still known by the {@code --lab PREFIX} in its command line.
     */
    private Optional<ProcessHandle> labProcess(final String nodeName, final long pid)
    {
        final Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty())
        {
            return handle;
        }
        try
        {
            final Object namespace = Files.getAttribute(NETNS_DIRECTORY.resolve(topology.node(nodeName).namespace()),
                "unix:ino");
            final String link = Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", "net")).toString();
            if (link.equals("net:[" + namespace + "]"))
            {
                return handle;
            }
        }
        catch (final IOException | LabException | UnsupportedOperationException e)
        {
            // The namespace's file is gone (removed by hand?): a backend server still names its lab, below.
        }
        final String commandLine = commandLine(pid);
        return commandLine.contains(LabBackendServer.class.getName())
            && commandLine.contains("--lab " + topology.prefix() + " ") ? handle : Optional.empty();
    }

    private static String commandLine(final long pid)
    {
        try
        {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")),
                StandardCharsets.UTF_8).replace('\0', ' ');
        }
        catch (final IOException e)
        {
            return "";
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited after a grace period. */
    private static void stop(final ProcessHandle handle)
    {
        handle.destroy();
        try
        {
            handle.onExit().get(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        catch (final java.util.concurrent.TimeoutException e)
        {
            handle.destroyForcibly();
            waitQuietly(handle);
        }
        catch (final java.util.concurrent.ExecutionException e)
        {
            handle.destroyForcibly();
        }
        catch (final InterruptedException e)
        {
            handle.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void waitQuietly(final ProcessHandle handle)
    {
        try
        {
            handle.onExit().get(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        catch (final Exception ignored)
        {
            // SIGKILL cannot be refused; a process stuck in the kernel goes when its namespace does.
        }
    }

    private static void pause(final Duration duration)
    {
        try
        {
            Thread.sleep(duration);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // status, kill, traffic, checks

    /** True when the lab's state file exists (an up has at least begun and no down has run since). */
    public boolean isUp()
    {
        return Files.exists(stateFile());
    }

    /** The pid of each process the lab started (backend servers; the balancer) that is alive now, by node name. */
    public Map<String, Long> liveProcesses()
    {
        final Map<String, Long> live = new LinkedHashMap<>();
        LabState.load(stateFile(), topology.prefix()).processes().forEach((node, pid) ->
            labProcess(node, pid).ifPresent(handle -> live.put(node, pid)));
        return live;
    }

    /** A plain-text report: each namespace, its addresses, and whether each backend's server is alive. */
    public String status()
    {
        checkPrerequisites();
        final LabState state = LabState.load(stateFile(), topology.prefix());
        final List<String> present = existingNamespaces();
        if (!state.exists() && present.isEmpty())
        {
            return "lab '" + topology.prefix() + "' is not up (start it with: sudo ./fulcrum lab up)\n";
        }
        final StringBuilder report = new StringBuilder("lab '" + topology.prefix() + "', state " + stateFile() + "\n");
        final Map<String, Long> live = liveProcesses();
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

    /**
     * Makes a node fail: for a backend, stops its HTTP server (or with {@code link}, takes its LAN port down);
     * for a balancer or the router, takes its LAN port down (a box that died with its VIP still configured).
     * Returns what it did.
     */
    public String kill(final String name, final boolean link)
    {
        checkPrerequisites();
        final LabNode node = topology.node(name);
        if (node.lanInterface() == null)
        {
            throw new LabException("lab kill works on the router, lb1, lb2 and the backends, not on " + node.name());
        }
        if (node.isBackend() && !link)
        {
            final LabState state = LabState.load(stateFile(), topology.prefix());
            final Long pid = state.processes().get(node.name());
            final Optional<ProcessHandle> handle = pid == null ? Optional.empty() : labProcess(node.name(), pid);
            if (handle.isEmpty())
            {
                return "the HTTP server of " + node.name() + " is not running";
            }
            stop(handle.get());
            return "stopped the HTTP server of " + node.name() + " (pid " + pid + ")";
        }
        Commands.checkIn(node.namespace(), "ip", "link", "set", node.lanInterface(), "down");
        return "took " + node.name() + "'s LAN port " + node.lanInterface() + " down";
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
     * Checks the plumbing without the balancer: from the client, through the router, to each backend's own LAN
     * address (IPv4 and IPv6), expecting the backend's name back. Returns one answer per request, keyed by URL.
     */
    public Map<String, Curl.Answer> reachBackendsDirectly()
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
     * VIP makes the router ARP / solicit for it); an empty value when nobody answered. Shows who owns the VIPs.
     */
    public Map<String, String> vipOwnersSeenByRouter()
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
    public String routerNeighbour(final String address)
    {
        final CommandResult neighbour = Commands.runIn(topology.router().namespace(), Commands.DEFAULT_LIMIT,
            "ip", "neigh", "show", address, "dev", topology.router().lanInterface());
        final Matcher lladdr = LLADDR.matcher(neighbour.stdout());
        return lladdr.find() ? lladdr.group(1) : "";
    }

    /**
     * The LAN's switch port (named for the node on it) where the bridge has learned {@code mac} (lower case, colons);
     * empty when it has not: where frames for a virtual MAC go.
     */
    public String switchPortOf(final String mac)
    {
        final Matcher port = Pattern.compile("(?m)^" + Pattern.quote(mac) + " dev (\\S+) master").matcher(
            Commands.checkIn(topology.lan().namespace(), "bridge", "fdb", "show", "br", LabTopology.BRIDGE));
        return port.find() ? port.group(1) : "";
    }

    /** The MAC of a node's LAN port, read from its namespace ({@code ip -j link show}). */
    public String macOf(final LabNode node)
    {
        final String json = Commands.checkIn(node.namespace(), "ip", "-j", "link", "show", node.lanInterface());
        final Matcher mac = MAC.matcher(json);
        if (!mac.find())
        {
            throw new LabException("no MAC address for " + node.name() + " " + node.lanInterface() + " in: " + json);
        }
        return mac.group(1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // the balancer

    /** The config lb1 runs, for the given packet I/O and with the named backends left out of the pools. */
    public String balancerConfig(final String packetIo, final Set<String> left)
    {
        return balancerConfig(topology.primaryBalancer(), packetIo, left);
    }

    private String balancerConfig(final LabNode balancer, final String packetIo, final Set<String> left)
    {
        final Map<String, String> macs = new LinkedHashMap<>();
        for (final LabNode backend : topology.backends())
        {
            macs.put(backend.name(), macOf(backend));
        }
        final int priority = balancer.equals(topology.primaryBalancer()) ? LabBalancerConfig.PRIMARY_PRIORITY
            : LabBalancerConfig.STANDBY_PRIORITY;
        return LabBalancerConfig.render(topology, balancer, priority, macs, packetIo, countersOf(balancer), left,
            apiToken(), keepalived ? null : advertInterval, sync && !keepalived ? syncKey() : null, trackPools);
    }

    public String balancerConfig()
    {
        return balancerConfig("auto", Set.of());
    }

    /** The pair's VRRP advert interval (Fulcrum's config syntax, e.g. 100ms). */
    private String advertInterval = LabBalancerConfig.ADVERT_INTERVAL;
    /** True: keepalived moves the VIPs and Fulcrum only forwards (to compare the two). */
    private boolean keepalived;

    /** YAML flow text of the pair's {@code track-pools}, or null for none. */
    private String trackPools;

    /** Makes both VRRP instances of both balancers track pools from the next {@link #startBalancer} (null: none). */
    public void trackPools(final String flowList)
    {
        trackPools = flowList;
    }

    /** True: the pair syncs its connection tables over the sync link (the default). */
    private boolean sync = true;

    /** Turns the pair's connection sync on or off for the next {@link #startBalancer} (on by default). */
    public void sync(final boolean on)
    {
        sync = on;
    }

    /** The pair's shared sync key (made once per lab, readable by root only). */
    public Path syncKey()
    {
        return secretFile("sync.key", 32);
    }

    /** Sets the pair's advert interval for the next {@link #startBalancer}; and whether keepalived runs VRRP. */
    public void vrrp(final Duration interval, final boolean useKeepalived)
    {
        advertInterval = interval.toMillis() + "ms";
        keepalived = useKeepalived;
    }

    /** The balancers of the pair: lb1 (the primary) and lb2. */
    public List<LabNode> balancers()
    {
        return List.of(topology.primaryBalancer(), topology.node("lb2"));
    }

    /** Writes lb1's config ({@link #balancerConfig(String, Set)}) into the state directory; returns its path. */
    public Path writeBalancerConfig(final String packetIo, final Set<String> left)
    {
        return writeBalancerConfig(topology.primaryBalancer(), packetIo, left);
    }

    private Path writeBalancerConfig(final LabNode balancer, final String packetIo, final Set<String> left)
    {
        final Path file = stateDirectory.resolve(balancer.name() + ".yaml");
        try
        {
            Files.createDirectories(stateDirectory);
            Files.writeString(file, balancerConfig(balancer, packetIo, left), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new LabException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    public Path writeBalancerConfig()
    {
        return writeBalancerConfig("auto", Set.of());
    }

    /**
     * The file holding the token of lb1's management API (made once per lab, readable by root only):
     * {@code sudo ip netns exec fl-lb1 ./fulcrum ctl --token-file FILE status}.
     */
    public Path apiToken()
    {
        return secretFile("api.token", 24);
    }

    /** A file of {@code bytes} random bytes in hex under the lab's state, made once per lab, readable by root only. */
    private Path secretFile(final String name, final int bytes)
    {
        final Path file = stateDirectory.resolve(name);
        try
        {
            if (!Files.exists(file))
            {
                Files.createDirectories(stateDirectory);
                final byte[] random = new byte[bytes];
                new java.security.SecureRandom().nextBytes(random);
                Files.writeString(file, java.util.HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
            return file;
        }
        catch (final IOException e)
        {
            throw new LabException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code fulcrum ctl ARGS} inside lb1 against its management API, as an operator would. */
    public CommandResult ctl(final String... arguments)
    {
        final List<String> args = new ArrayList<>(List.of("ctl", "--url", "http://127.0.0.1:" + LabBalancerConfig.API_PORT,
            "--token-file", apiToken().toString()));
        args.addAll(List.of(arguments));
        final List<String> command = javaCommand(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "--enable-native-access=ALL-UNNAMED"), "io.fulcrum.controlplane.cli.FulcrumCommand", args);
        return Commands.runIn(topology.primaryBalancer().namespace(), Duration.ofSeconds(30),
            command.toArray(String[]::new));
    }

    /** Where lb1's counters file lives: {@code fulcrum stat --file PATH} reads it. */
    public Path balancerCounters()
    {
        return countersOf(topology.primaryBalancer());
    }

    /** Where a balancer's (lb1's or lb2's) counters file lives. */
    public Path balancerCounters(final String name)
    {
        return countersOf(topology.node(name));
    }

    private Path countersOf(final LabNode balancer)
    {
        return stateDirectory.resolve(balancer.name() + ".counters");
    }

    /**
     * Starts {@code fulcrum run} on lb1 and lb2 as a VRRP pair on configs written for {@code packetIo}: the VIPs the
     * lab placed on lb1 are handed to VRRP, which gives them to lb1 (the higher priority) and moves them to lb2 when
     * lb1 fails. Records the pids (so {@link #down()} stops them) and waits until lb1 is master and forwards, within
     * {@link #BALANCER_START_LIMIT}.
     */
    public void startBalancer(final String packetIo)
    {
        startBalancer(packetIo, Set.of());
    }

    /** {@link #startBalancer(String)} with the named backends left out of the pools (a reload may add them later). */
    public void startBalancer(final String packetIo, final Set<String> left)
    {
        final LabNode lb1 = topology.primaryBalancer();
        // VRRP owns the VIPs from now on: the master adds them, announces them and removes them when it steps down.
        Commands.runIn(lb1.namespace(), Commands.DEFAULT_LIMIT, "ip", "address", "del", LabTopology.VIP4 + "/32",
            "dev", lb1.lanInterface());
        Commands.runIn(lb1.namespace(), Commands.DEFAULT_LIMIT, "ip", "address", "del", LabTopology.VIP6 + "/128",
            "dev", lb1.lanInterface());
        for (final LabNode balancer : balancers())
        {
            final Path config = writeBalancerConfig(balancer, packetIo, left);
            final int logStart = logText(balancer).length(); // the log is appended to: earlier runs' lines are in it
            final long pid = runBalancer(balancer, config, logStart);
            if (keepalived)
            {
                startKeepalived(balancer);
            }
            if (balancer.equals(lb1))
            {
                awaitLog(balancer, logStart, pid, "(VI_4) Entering MASTER STATE",
                    BALANCER_START_LIMIT, "VRRP on " + balancer.name());
            }
            out.println("started fulcrum run on " + balancer.name() + " (pid " + pid + ", " + packetIo + ", log "
                + logFile(balancer) + ")");
        }
    }

    public void startBalancer()
    {
        startBalancer("auto");
    }

    /** Starts {@code fulcrum run} on {@code config} in the balancer's namespace and waits until it forwards. */
    private long runBalancer(final LabNode balancer, final Path config, final int logStart)
    {
        final long pid = startProcess(balancer, javaCommand(List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
            "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow"),
            "io.fulcrum.controlplane.cli.FulcrumCommand", List.of("run", "--config", config.toString())));
        awaitLog(balancer, logStart, pid, "fulcrum run: forwarding", BALANCER_START_LIMIT,
            "fulcrum run on " + balancer.name());
        return pid;
    }

    /**
     * kill -9 of {@code fulcrum run} on a balancer, as a crash: nothing is cleaned up (the VIPs it held stay on its
     * port, its connection table stays in its file). Waits until the process is gone.
     */
    public void crashBalancer(final String name)
    {
        final LabNode balancer = topology.node(name);
        final Long pid = LabState.load(stateFile(), topology.prefix()).processes().get(balancer.name());
        final Optional<ProcessHandle> handle = pid == null ? Optional.empty() : labProcess(balancer.name(), pid);
        if (handle.isEmpty())
        {
            throw new LabException("fulcrum run on " + name + " is not running");
        }
        final long start = System.nanoTime();
        handle.get().destroyForcibly();
        // Polled: onExit() of a process that is not our child may report the exit seconds late.
        final Instant deadline = Instant.now().plus(BALANCER_START_LIMIT);
        while (!exited(pid))
        {
            if (Instant.now().isAfter(deadline))
            {
                throw new LabException("fulcrum run on " + name + " (pid " + pid + ") did not exit after SIGKILL: " +
                    procStatus(pid));
            }
            pause(Duration.ofMillis(5));
        }
        out.println("killed fulcrum run on " + name + " (pid " + pid + ", SIGKILL; gone after " +
            (System.nanoTime() - start) / 1_000_000 + " ms)");
    }

    /**
     * Starts {@code fulcrum run} on a balancer again with the config the lab last wrote for it (after
     * {@link #crashBalancer}, an upgrade...); waits until it forwards and, on lb1 with VRRP, is master again.
     */
    public long restartBalancer(final String name)
    {
        final LabNode balancer = topology.node(name);
        if (!balancers().contains(balancer))
        {
            throw new LabException("restartBalancer works on lb1 and lb2, not on " + name);
        }
        if (liveProcesses().containsKey(balancer.name()))
        {
            throw new LabException("fulcrum run on " + name + " is still running");
        }
        final Path config = stateDirectory.resolve(balancer.name() + ".yaml");
        if (!Files.exists(config))
        {
            throw new LabException("no config for " + name + ": start the pair with startBalancer first");
        }
        final int logStart = logText(balancer).length();
        final long pid = runBalancer(balancer, config, logStart);
        if (balancer.equals(topology.primaryBalancer()) && !keepalived)
        {
            awaitLog(balancer, logStart, pid, "(VI_4) Entering MASTER STATE", BALANCER_START_LIMIT,
                "VRRP on " + balancer.name());
        }
        out.println("restarted fulcrum run on " + name + " (pid " + pid + ")");
        return pid;
    }

    /** Gone, or a zombie: it no longer runs, whoever reaps it. */
    private static boolean exited(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            final int afterName = stat.lastIndexOf(')');
            return afterName < 0 || stat.charAt(afterName + 2) == 'Z' || stat.charAt(afterName + 2) == 'X';
        }
        catch (final IOException e)
        {
            return true;
        }
    }

    private static String procStatus(final long pid)
    {
        try
        {
            return Files.readString(Path.of("/proc/" + pid + "/status")).lines()
                .filter(line -> line.startsWith("State") || line.startsWith("Name")).toList() + " stack " +
                Commands.run(Duration.ofSeconds(5), List.of("sh", "-c", "for t in /proc/" + pid + "/task/*; do " +
                "cat $t/stat | cut -d' ' -f2-3; cat $t/stack; done 2>&1 | grep -v '^ *$' | sort | uniq -c | " +
                "sort -rn | head -40")).stdout();
        }
        catch (final IOException e)
        {
            return "(no /proc entry)";
        }
    }

    /** Where a balancer's connection tables live ({@code PATH.0}, {@code PATH.backend-ids}...; see the config). */
    public Path connectionTable(final String name)
    {
        return countersOf(topology.node(name)).resolveSibling(name + ".connections");
    }

    /**
     * Takes backends out of the pair's pools (or puts them all back, with an empty set) by rewriting both configs and
     * sending SIGHUP, as an operator would; waits until both balancers have reloaded.
     */
    public void reloadBalancer(final Set<String> left)
    {
        final LabState state = LabState.load(stateFile(), topology.prefix());
        for (final LabNode balancer : balancers())
        {
            final Long pid = state.processes().get(balancer.name());
            if (pid == null || !liveProcesses().containsKey(balancer.name()))
            {
                continue; // a balancer the lab killed: it reads its config when it starts again
            }
            final String mode = packetIoOf(logText(balancer));
            final long reloadsBefore = count(logText(balancer), "fulcrum run: reloaded");
            writeBalancerConfig(balancer, mode, left);
            Commands.check("kill", "-HUP", Long.toString(pid));
            final Instant deadline = Instant.now().plus(BALANCER_START_LIMIT);
            while (count(logText(balancer), "fulcrum run: reloaded") == reloadsBefore)
            {
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                {
                    throw new LabException("fulcrum run on " + balancer.name() + " exited on SIGHUP: "
                        + tail(logText(balancer)));
                }
                if (Instant.now().isAfter(deadline))
                {
                    throw new LabException("fulcrum run on " + balancer.name() + " did not reload: "
                        + tail(logText(balancer)));
                }
                pause(Duration.ofMillis(20));
            }
        }
    }

    private static String packetIoOf(final String log)
    {
        return log.contains("on af_packet") ? "af_packet" : log.contains("on af_xdp") ? "af_xdp" : "auto";
    }

    private static long count(final String text, final String line)
    {
        return text.lines().filter(l -> l.startsWith(line)).count();
    }

    /**
     * keepalived 2.2.7 in the balancer's namespace, foreground, its log appended to the balancer's log (so the same
     * "Entering MASTER STATE" lines show), with its own pid files (a second keepalived would refuse the default ones).
     */
    private void startKeepalived(final LabNode balancer)
    {
        final int priority = balancer.equals(topology.primaryBalancer()) ? LabBalancerConfig.PRIMARY_PRIORITY
            : LabBalancerConfig.STANDBY_PRIORITY;
        final Path config = stateDirectory.resolve(balancer.name() + "-keepalived.conf");
        try
        {
            Files.writeString(config, LabBalancerConfig.keepalived(balancer, priority,
                Duration.ofMillis(Long.parseLong(advertInterval.replace("ms", "")))), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new LabException("cannot write " + config + ": " + e.getMessage(), e);
        }
        Commands.startDetached(Commands.inNamespace(balancer.namespace(), List.of("keepalived", "-n", "-l", "-D", "-P",
            "-f", config.toString(), "-p", stateDirectory.resolve(balancer.name() + "-keepalived.pid").toString(),
            "-r", stateDirectory.resolve(balancer.name() + "-vrrp.pid").toString())), logFile(balancer));
    }

    /**
     * Stops both balancers with SIGTERM (each detaches its XDP program, closes its sockets and, as VRRP master, sends
     * priority 0 and gives its VIPs up) and waits for them.
     */
    public void stopBalancer()
    {
        final LabState state = LabState.load(stateFile(), topology.prefix());
        for (final LabNode balancer : balancers().reversed())
        {
            final Long pid = state.processes().get(balancer.name());
            if (pid == null)
            {
                continue;
            }
            ProcessHandle.of(pid).ifPresent(handle ->
            {
                handle.destroy();
                try
                {
                    handle.onExit().get(BALANCER_START_LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                }
                catch (final Exception e)
                {
                    handle.destroyForcibly();
                }
            });
            out.println("stopped fulcrum run on " + balancer.name());
            stopKeepalived(balancer);
        }
    }

    private void stopKeepalived(final LabNode balancer)
    {
        final Path pidFile = stateDirectory.resolve(balancer.name() + "-keepalived.pid");
        try
        {
            if (Files.exists(pidFile))
            {
                final long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(handle ->
                {
                    handle.destroy();
                    handle.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
                });
                Files.deleteIfExists(pidFile);
                out.println("stopped keepalived on " + balancer.name());
            }
        }
        catch (final IOException | NumberFormatException e)
        {
            out.println("could not stop keepalived on " + balancer.name() + ": " + e.getMessage());
        }
    }

    /** Waits for {@code line} in a process's log; fails early, with the log, if the process exits first. */
    private void awaitLog(final LabNode node, final int from, final long pid, final String line,
        final Duration limit, final String what)
    {
        final Instant deadline = Instant.now().plus(limit);
        while (!logText(node).substring(from).contains(line))
        {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
            {
                throw new LabException(what + " exited: " + tail(logText(node)));
            }
            if (Instant.now().isAfter(deadline))
            {
                throw new LabException(what + " did not start within " + limit.toSeconds() + " s: "
                    + tail(logText(node)));
            }
            pause(Duration.ofMillis(50));
        }
    }

    private static String tail(final String log)
    {
        final String stripped = log.strip();
        return stripped.length() <= 2000 ? stripped : "..." + stripped.substring(stripped.length() - 2000);
    }

    /** True while the balancer the lab started on lb1 is alive. */
    public boolean balancerRunning()
    {
        return liveProcesses().containsKey(topology.primaryBalancer().name());
    }
}
