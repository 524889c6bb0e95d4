package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

/**
 * The pair lb1 and lb2: the configs the lab writes for them (in the state directory, with the API token and the sync
 * key beside them), {@code fulcrum run} on each as its node's recorded process, and what an operator or a fault does
 * to them: reload by SIGHUP, crash by SIGKILL, restart, stop by SIGTERM. The VRRP settings (advert interval,
 * keepalived in place of Fulcrum's VRRP, connection sync, tracked pools) apply from the next {@link #start}.
 */
final class LabBalancers
{
    /** fulcrum run starts in 1 to 3 s (JVM, XDP program, backend MACs); this is the ceiling on a loaded machine. */
    private static final Duration START_LIMIT = Duration.ofSeconds(60);
    private static final String MASTER_LINE = "(VI_4) Entering MASTER STATE";
    private static final String FORWARDING_LINE = "fulcrum run: forwarding";
    private static final String RELOADED_LINE = "fulcrum run: reloaded";
    private static final String FULCRUM_MAIN = "io.fulcrum.controlplane.cli.FulcrumCommand";

    private final LabTopology topology;
    private final Path stateDirectory;
    private final LabProcesses processes;
    private final LabInspector inspector;
    private final LabNetwork network;
    private final LabKeepalived keepalived;
    private final PrintStream out;

    /** The pair's VRRP advert interval (Fulcrum's config syntax, e.g. 100ms). */
    private String advertInterval = LabBalancerConfig.ADVERT_INTERVAL;
    /** True: keepalived moves the VIPs and Fulcrum only forwards (to compare the two). */
    private boolean useKeepalived;
    /** YAML flow text of the pair's {@code track-pools}, or null for none. */
    private String trackPools;
    /** True: the pair syncs its connection tables over the sync link (the default). */
    private boolean sync = true;
    /** The scheduler of the proxy service. */
    private String proxyScheduler = LabBalancerConfig.DEFAULT_PROXY_SCHEDULER;
    /** The backends the running pair's configs leave out of the pools, kept for a reload that changes only the rest. */
    private Set<String> left = Set.of();

    LabBalancers(final LabTopology topology, final Path stateDirectory, final LabNetwork network,
        final LabProcesses processes, final LabInspector inspector, final PrintStream out)
    {
        this.topology = topology;
        this.stateDirectory = stateDirectory;
        this.network = network;
        this.processes = processes;
        this.inspector = inspector;
        this.keepalived = new LabKeepalived(stateDirectory, processes, out);
        this.out = out;
    }

    /** The balancers of the pair: lb1 (the primary) and lb2. */
    List<LabNode> nodes()
    {
        return List.of(topology.primaryBalancer(), topology.node("lb2"));
    }

    void trackPools(final String flowList)
    {
        trackPools = flowList;
    }

    void sync(final boolean on)
    {
        sync = on;
    }

    void vrrp(final Duration interval, final boolean useKeepalived)
    {
        advertInterval = interval.toMillis() + "ms";
        this.useKeepalived = useKeepalived;
    }

    private int priorityOf(final LabNode balancer)
    {
        return balancer.equals(topology.primaryBalancer()) ? LabBalancerConfig.PRIMARY_PRIORITY
            : LabBalancerConfig.STANDBY_PRIORITY;
    }

    /** The config {@code balancer} runs, for the given packet I/O and with the named backends left out of the pools. */
    String config(final LabNode balancer, final String packetIo, final Set<String> left)
    {
        final Map<String, String> macs = new LinkedHashMap<>();
        for (final LabNode backend : topology.backends())
        {
            macs.put(backend.name(), inspector.macOf(backend));
        }
        return LabBalancerConfig.render(topology, balancer, priorityOf(balancer), macs, packetIo, counters(balancer),
            left, apiToken(), useKeepalived ? null : advertInterval, sync && !useKeepalived ? syncKey() : null,
            trackPools, proxyScheduler);
    }

    /** Writes {@link #config} into the state directory as {@code NODE.yaml}; returns its path. */
    Path writeConfig(final LabNode balancer, final String packetIo, final Set<String> left)
    {
        final Path file = configFile(balancer);
        try
        {
            Files.createDirectories(stateDirectory);
            Files.writeString(file, config(balancer, packetIo, left), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new LabException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private Path configFile(final LabNode balancer)
    {
        return stateDirectory.resolve(balancer.name() + ".yaml");
    }

    /** Where a balancer's counters file lives: {@code fulcrum stat --file PATH} reads it. */
    Path counters(final LabNode balancer)
    {
        return stateDirectory.resolve(balancer.name() + ".counters");
    }

    /** Where a balancer's connection tables live ({@code PATH.0}, {@code PATH.backend-ids}...; see the config). */
    Path connectionTable(final LabNode balancer)
    {
        return stateDirectory.resolve(balancer.name() + ".connections");
    }

    /** The file holding the token of the pair's management API (made once per lab, readable by root only). */
    Path apiToken()
    {
        return secretFile("api.token", 24);
    }

    /** The pair's shared sync key (made once per lab, readable by root only). */
    Path syncKey()
    {
        return secretFile("sync.key", 32);
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
                new SecureRandom().nextBytes(random);
                Files.writeString(file, HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
            return file;
        }
        catch (final IOException e)
        {
            throw new LabException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code fulcrum ctl ARGS} inside lb1 against its management API, as an operator would. */
    CommandResult ctl(final String... arguments)
    {
        final List<String> args = new ArrayList<>(List.of("ctl", "--url", "http://127.0.0.1:" + LabBalancerConfig.API_PORT,
            "--token-file", apiToken().toString()));
        args.addAll(List.of(arguments));
        final List<String> command = LabProcesses.javaCommand(List.of("-Xmx64m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"), FULCRUM_MAIN, args);
        return Commands.runIn(topology.primaryBalancer().namespace(), Duration.ofSeconds(30),
            command.toArray(String[]::new));
    }

    /**
     * Starts {@code fulcrum run} on lb1 and lb2 as a VRRP pair on configs written for {@code packetIo} (the named
     * backends left out of the pools): the VIPs the lab placed on lb1 are handed to VRRP, which gives them to lb1 (the
     * higher priority) and moves them to lb2 when lb1 fails. Records the pids and waits until lb1 is master and
     * forwards, within {@link #START_LIMIT}.
     */
    void start(final String packetIo, final Set<String> left)
    {
        this.left = Set.copyOf(left);
        final LabNode lb1 = topology.primaryBalancer();
        network.handVipsToVrrp();
        for (final LabNode balancer : nodes())
        {
            final Path config = writeConfig(balancer, packetIo, left);
            final int logStart = processes.log(balancer).length(); // the log is appended to: earlier runs' lines are in it
            final long pid = run(balancer, config, logStart);
            if (useKeepalived)
            {
                keepalived.start(balancer, priorityOf(balancer),
                    Duration.ofMillis(Long.parseLong(advertInterval.replace("ms", ""))));
            }
            if (balancer.equals(lb1))
            {
                processes.awaitLog(balancer, logStart, pid, MASTER_LINE, START_LIMIT, "VRRP on " + balancer.name());
            }
            out.println("started fulcrum run on " + balancer.name() + " (pid " + pid + ", " + packetIo + ", log "
                + processes.logFile(balancer) + ")");
        }
    }

    /** Starts {@code fulcrum run} on {@code config} in the balancer's namespace and waits until it forwards. */
    private long run(final LabNode balancer, final Path config, final int logStart)
    {
        final long pid = processes.start(processes.state(), balancer, LabProcesses.javaCommand(List.of("-Xms64m",
            "-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "--add-opens",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"),
            FULCRUM_MAIN, List.of("run", "--config", config.toString())));
        processes.awaitLog(balancer, logStart, pid, FORWARDING_LINE, START_LIMIT, "fulcrum run on " + balancer.name());
        return pid;
    }

    /** kill -9 of {@code fulcrum run} on a balancer, as a crash; waits until the process is gone. */
    void crash(final LabNode balancer)
    {
        final Optional<ProcessHandle> handle = processes.recorded(balancer);
        if (handle.isEmpty())
        {
            throw new LabException("fulcrum run on " + balancer.name() + " is not running");
        }
        final long pid = handle.get().pid();
        final long start = System.nanoTime();
        handle.get().destroyForcibly();
        // Polled: onExit() of a process that is not our child may report the exit seconds late.
        final Instant deadline = Instant.now().plus(START_LIMIT);
        while (!LabProcesses.exited(pid))
        {
            if (Instant.now().isAfter(deadline))
            {
                throw new LabException("fulcrum run on " + balancer.name() + " (pid " + pid + ") did not exit after "
                    + "SIGKILL: " + LabProcesses.procStatus(pid));
            }
            LabProcesses.pause(Duration.ofMillis(5));
        }
        out.println("killed fulcrum run on " + balancer.name() + " (pid " + pid + ", SIGKILL; gone after " +
            (System.nanoTime() - start) / 1_000_000 + " ms)");
    }

    /**
     * Starts {@code fulcrum run} on a balancer again with the config the lab last wrote for it; waits until it
     * forwards and, on lb1 with Fulcrum's VRRP, is master again.
     */
    long restart(final LabNode balancer)
    {
        if (!nodes().contains(balancer))
        {
            throw new LabException("restartBalancer works on lb1 and lb2, not on " + balancer.name());
        }
        if (processes.live().containsKey(balancer.name()))
        {
            throw new LabException("fulcrum run on " + balancer.name() + " is still running");
        }
        final Path config = configFile(balancer);
        if (!Files.exists(config))
        {
            throw new LabException("no config for " + balancer.name() + ": start the pair with startBalancer first");
        }
        final int logStart = processes.log(balancer).length();
        final long pid = run(balancer, config, logStart);
        if (balancer.equals(topology.primaryBalancer()) && !useKeepalived)
        {
            processes.awaitLog(balancer, logStart, pid, MASTER_LINE, START_LIMIT, "VRRP on " + balancer.name());
        }
        out.println("restarted fulcrum run on " + balancer.name() + " (pid " + pid + ")");
        return pid;
    }

    /**
     * Takes backends out of the pair's pools (or puts them all back, with an empty set) by rewriting both configs and
     * sending SIGHUP, as an operator would; waits until both running balancers have reloaded.
     */
    void reload(final Set<String> left)
    {
        this.left = Set.copyOf(left);
        final LabState state = processes.state();
        for (final LabNode balancer : nodes())
        {
            final Long pid = state.processes().get(balancer.name());
            if (pid == null || !processes.live().containsKey(balancer.name()))
            {
                continue; // a balancer the lab killed: it reads its config when it starts again
            }
            final String mode = packetIoOf(processes.log(balancer));
            final long reloadsBefore = count(processes.log(balancer), RELOADED_LINE);
            writeConfig(balancer, mode, left);
            Commands.check("kill", "-HUP", Long.toString(pid));
            final Instant deadline = Instant.now().plus(START_LIMIT);
            while (count(processes.log(balancer), RELOADED_LINE) == reloadsBefore)
            {
                if (!LabProcesses.alive(pid))
                {
                    throw new LabException("fulcrum run on " + balancer.name() + " exited on SIGHUP: "
                        + LabProcesses.tail(processes.log(balancer)));
                }
                if (Instant.now().isAfter(deadline))
                {
                    throw new LabException("fulcrum run on " + balancer.name() + " did not reload: "
                        + LabProcesses.tail(processes.log(balancer)));
                }
                LabProcesses.pause(Duration.ofMillis(20));
            }
        }
    }

    /**
     * Puts the proxy service under {@code scheduler}: from the next {@link #start}, and now on the running balancers
     * by a reload (the daemon restarts a service whose settings changed; the backends' observed loads stay).
     */
    void proxyScheduler(final String scheduler)
    {
        proxyScheduler = scheduler;
        reload(left);
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
     * Stops both balancers with SIGTERM (each detaches its XDP program, closes its sockets and, as VRRP master, sends
     * priority 0 and gives its VIPs up) and waits for them; and keepalived where it ran.
     */
    void stop()
    {
        final LabState state = processes.state();
        for (final LabNode balancer : nodes().reversed())
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
                    handle.onExit().get(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
                }
                catch (final Exception e)
                {
                    handle.destroyForcibly();
                }
            });
            out.println("stopped fulcrum run on " + balancer.name());
            keepalived.stop(balancer);
        }
    }

    /** True while the balancer the lab started on lb1 is alive. */
    boolean primaryRunning()
    {
        return processes.live().containsKey(topology.primaryBalancer().name());
    }
}
