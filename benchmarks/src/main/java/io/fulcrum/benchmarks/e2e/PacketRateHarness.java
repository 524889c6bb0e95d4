package io.fulcrum.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.fulcrum.benchmarks.harness.CpuPlan;
import io.fulcrum.benchmarks.harness.CpuTime;
import io.fulcrum.dataplane.sys.Privileges;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The end-to-end packet-rate benchmark: trafgen sends 64-byte UDP frames to a VIP, a forwarder sends them on to a
 * backend on the same segment, and an XDP program there counts what arrives. The same load, in the same run, through
 * Fulcrum on AF_XDP, Fulcrum on AF_PACKET, the kernel's forwarding with an nftables DNAT rule, and a bare XDP
 * redirect (the ceiling); several rounds, the scenarios' order rotated each round, medians reported, for two CPU
 * plans (generator and balancer apart, and everything on one core). See {@link BenchTopology} for the network.
 *
 * <pre>
 * ./fulcrum bench e2e [--rounds 3] [--window 5] [--warmup 3] [--modes spread,one-core]
 *     [--scenarios fulcrum-af_xdp,fulcrum-af_packet,nftables,xdp-redirect] [--generator-cpu 0] [--balancer-cpu 1]
 *     [--idle auto] [--spread-receive inline] [--nice -10] [--fulcrum ./fulcrum] [--work-dir DIR]
 * </pre>
 *
 * Runs as root. Everything it creates (namespaces, processes, XDP programs, nftables rules, files in the work
 * directory but the logs) is removed at the end, on failure and on Ctrl-C.
 */
@Command(name = "e2e", sortOptions = false,
    description = "The end-to-end packet-rate benchmark: Fulcrum on AF_XDP and AF_PACKET, nftables DNAT and a bare XDP "
        + "redirect under the same load. Needs root and trafgen.")
public final class PacketRateHarness implements Callable<Integer>
{
    /** trafgen's socket send buffer: far more than the frames a full backlog queue (netdev_max_backlog) holds. */
    private static final int SEND_BUFFER_BYTES = 64 << 20;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
        description = "Rounds, the scenarios' order rotated each round (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--window", paramLabel = "SECONDS", defaultValue = "5",
        description = "Measuring window per scenario (default: ${DEFAULT-VALUE}).")
    private double windowSeconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "3",
        description = "Traffic before each window (default: ${DEFAULT-VALUE}).")
    private double warmupSeconds;

    @Option(names = "--modes", paramLabel = "MODE", split = ",", defaultValue = "spread,one-core",
        description = "CPU plans: spread (generator and balancer apart), one-core (default: ${DEFAULT-VALUE}).")
    private List<String> modes;

    @Option(names = "--scenarios", paramLabel = "SCENARIO", split = ",", converter = ScenarioKey.class,
        defaultValue = "fulcrum-af_xdp,fulcrum-af_packet,nftables,xdp-redirect",
        description = "What forwards (default: ${DEFAULT-VALUE}).")
    private List<Scenario> scenarios;

    @Option(names = "--generator-cpu", paramLabel = "N", defaultValue = "0",
        description = "trafgen's CPU (default: ${DEFAULT-VALUE}).")
    private int generatorCpu;

    @Option(names = "--balancer-cpu", paramLabel = "N", defaultValue = "1",
        description = "The forwarder's CPU in the spread plan (default: ${DEFAULT-VALUE}).")
    private int balancerCpu;

    /** The worker's idle strategy; auto: busy-spin with a CPU of its own, backoff when it shares the generator's. */
    @Option(names = "--idle", paramLabel = "STRATEGY", defaultValue = "auto",
        description = "Fulcrum's idle strategy: auto, backoff, yield or busy-spin (default: ${DEFAULT-VALUE}: "
            + "busy-spin with a CPU of its own, backoff on a shared one).")
    private String idle;

    @Option(names = "--spread-receive", paramLabel = "WHERE", defaultValue = "inline",
        description = "Receive work in the spread plan: inline or napi-thread (default: ${DEFAULT-VALUE}).")
    private String spreadReceive;

    /**
     * Niceness of the generator and Fulcrum: on a machine shared with other work, -10 gives them about nine tenths of
     * a CPU against a nice-0 competitor (kernel/sched/core.c sched_prio_to_weight), equally to both, so the one-core
     * comparison stays fair. The kernel's softirq work runs in their context and goes with them.
     */
    @Option(names = "--nice", paramLabel = "N", defaultValue = "-10",
        description = "Niceness of the generator and Fulcrum (default: ${DEFAULT-VALUE}).")
    private int nice;

    @Option(names = "--fulcrum", paramLabel = "LAUNCHER", defaultValue = "fulcrum",
        description = "The fulcrum launcher that runs the balancer (default: ${DEFAULT-VALUE}).")
    private Path launcher;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "Where configs and logs go (default: a new temporary directory).")
    private Path workDir;

    @Spec
    private CommandSpec spec;

    private Duration window;
    private Duration warmup;
    private final Duration settle = Duration.ofSeconds(1);
    private final List<AutoCloseable> live = new ArrayList<>();
    /** Set by the shutdown hook: the measuring thread must not start anything any more. */
    private volatile boolean stopping;
    private BenchTopology topology;
    private SinkCounter sink;
    private Trafgen trafgen;

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new PacketRateHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        checkOptions();
        if (!Privileges.isRoot())
        {
            System.err.println("e2e: needs root (network namespaces, XDP, raw sockets)");
            return 2;
        }
        if (!Trafgen.installed())
        {
            System.err.println("e2e: trafgen not found: apt-get install netsniff-ng (or run .ci/install-packages)");
            return 2;
        }
        final Thread cleanup = new Thread(this::tearDown, "e2e-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try
        {
            run();
        }
        catch (final InterruptedException e)
        {
            System.err.println("e2e: stopped; everything it set up is removed");
        }
        finally
        {
            tearDown();
        }
        return 0;
    }

    /** What picocli's types do not say: the ranges and the words; a usage error (exit code 2) otherwise. */
    private void checkOptions()
    {
        if (rounds < 1)
        {
            throw new ParameterException(spec.commandLine(), "--rounds must be at least 1");
        }
        window = Duration.ofMillis(Math.round(windowSeconds * 1000));
        warmup = Duration.ofMillis(Math.round(warmupSeconds * 1000));
        if (window.isZero() || window.isNegative())
        {
            throw new ParameterException(spec.commandLine(), "--window must be positive");
        }
        for (final String mode : modes)
        {
            if (!mode.equals("spread") && !mode.equals("one-core"))
            {
                throw new ParameterException(spec.commandLine(), "unknown mode '" + mode + "' (spread, one-core)");
            }
        }
        if (!spreadReceive.equals("inline") && !spreadReceive.equals("napi-thread"))
        {
            throw new ParameterException(spec.commandLine(), "--spread-receive: inline or napi-thread");
        }
        launcher = launcher.toAbsolutePath();
    }

    /** {@code --scenarios} words to scenarios, with the list of known ones in the error. */
    static final class ScenarioKey implements CommandLine.ITypeConverter<Scenario>
    {
        @Override
        public Scenario convert(final String key)
        {
            try
            {
                return Scenario.byKey(key);
            }
            catch (final IllegalArgumentException e)
            {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private void run() throws Exception
    {
        if (workDir == null)
        {
            workDir = Files.createTempDirectory("fulcrum-e2e-");
        }
        Files.createDirectories(workDir);
        final int cpus = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "e2e: %d CPUs, %d round(s) x %s, window %.1f s after %.1f s warm-up; "
            + "logs in %s%n", cpus, rounds, scenarios, window.toMillis() / 1e3, warmup.toMillis() / 1e3, workDir);
        topology = BenchTopology.create();
        sink = SinkCounter.attach(BenchTopology.GEN_NS, BenchTopology.GEN_IF);
        trafgen = Trafgen.prepare(workDir, nice);
        final List<RateTable> tables = new ArrayList<>();
        for (final String mode : modes)
        {
            final CpuPlan plan = mode.equals("spread") ? CpuPlan.spread(generatorCpu, balancerCpu)
                : CpuPlan.oneCore(generatorCpu);
            final RateTable table = new RateTable(plan);
            tables.add(table);
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < scenarios.size(); i++)
                {
                    // rotate the order each round, so that no scenario always runs first (or after the same one)
                    final Scenario scenario = scenarios.get((i + round) % scenarios.size());
                    final Measurement measured = measure(scenario, plan);
                    table.add(scenario, measured);
                    System.out.printf(Locale.ROOT, "e2e: %-8s round %d  %-34s offered %.3f Mpps, delivered %.3f Mpps,"
                        + " %.0f CPU ns/packet (balancer rx drops %d%s)%n", plan.name(), round + 1, scenario.title,
                        measured.offeredMpps(), measured.deliveredMpps(), measured.cpuNanosPerPacket(),
                        measured.balancerDrops(), measured.detail());
                }
            }
        }
        System.out.println();
        for (final RateTable table : tables)
        {
            System.out.println(table.render());
        }
    }

    private Measurement measure(final Scenario scenario, final CpuPlan plan) throws Exception
    {
        final AutoCloseable forwarder = scenario.start(launcher, workDir, plan,
            !idle.equals("auto") ? idle : plan.shared() ? "backoff" : "busy-spin", nice);
        live.add(forwarder);
        try
        {
            // trafgen exits when its send buffer fills, which it does as soon as its frames queue for another CPU:
            // start it with receive work inline, enlarge its socket's buffer, then move receive work as planned.
            topology.receiveOn(-1);
            trafgen.start(plan.generatorCpu());
            if (!trafgen.enlargeSendBuffer(SEND_BUFFER_BYTES, 3_000))
            {
                System.err.println("e2e: could not enlarge trafgen's send buffer; see " + trafgen.log());
            }
            topology.receiveOn(plan.shared() || spreadReceive.equals("inline") ? -1 : plan.balancerCpu());
            int restarts = 0;
            restarts += sleepWhileSending(warmup, plan);
            trafgen.pin(plan.generatorCpu());
            final List<Long> tasks = tasks(forwarder, plan);
            final Map<Long, Long> cpu0 = CpuTime.sample(tasks);
            final long[] xsk0 = xskStatistics(forwarder);
            final long offered0 = BenchTopology.offered();
            final long delivered0 = sink.count();
            final long drops0 = BenchTopology.balancerDrops();
            final long start = System.nanoTime();
            final int windowRestarts = sleepWhileSending(window, plan);
            final long delivered1 = sink.count();
            final long elapsed = System.nanoTime() - start;
            final Map<Long, Long> cpu1 = CpuTime.sample(tasks);
            final long[] xsk1 = xskStatistics(forwarder);
            final long offered1 = BenchTopology.offered();
            final long drops1 = BenchTopology.balancerDrops();
            restarts += windowRestarts;
            trafgen.stop();
            return new Measurement(offered1 - offered0, delivered1 - delivered0, drops1 - drops0, elapsed / 1e9,
                CpuTime.between(cpu0, cpu1), restarts, xskDetail(xsk0, xsk1));
        }
        finally
        {
            trafgen.stop();
            live.remove(forwarder);
            forwarder.close();
            Thread.sleep(settle.toMillis());
        }
    }

    /** Fulcrum's AF_XDP sockets' struct xdp_statistics, or null for other scenarios. */
    private static long[] xskStatistics(final AutoCloseable forwarder)
    {
        return forwarder instanceof FulcrumProcess fulcrum && fulcrum.packetIo().equals("af_xdp")
            ? ForeignSockets.xdpStatistics(fulcrum.pid()) : null;
    }

    private static String xskDetail(final long[] before, final long[] after)
    {
        if (before == null || after == null)
        {
            return "";
        }
        return String.format(Locale.ROOT, "; AF_XDP socket: rx_dropped %d, rx_ring_full %d, fill_ring_empty %d",
            after[0] - before[0], after[3] - before[3], after[4] - before[4]);
    }

    /** The tasks whose CPU time is the cost of the scenario: generator, Fulcrum, ksoftirqd and NAPI threads. */
    private List<Long> tasks(final AutoCloseable forwarder, final CpuPlan plan)
    {
        final List<Long> tasks = new ArrayList<>(trafgen.pids());
        if (forwarder instanceof FulcrumProcess fulcrum)
        {
            tasks.add(fulcrum.pid());
        }
        tasks.addAll(CpuTime.kernelThreads(List.of("ksoftirqd/" + plan.generatorCpu(),
            "ksoftirqd/" + plan.balancerCpu()), "napi/" + BenchTopology.LB_IF + "-"));
        return tasks;
    }

    /** Waits {@code duration} in 100 ms steps, restarting the generator whenever it has exited. */
    private int sleepWhileSending(final Duration duration, final CpuPlan plan) throws IOException, InterruptedException
    {
        int restarts = 0;
        final long deadline = System.nanoTime() + duration.toNanos();
        long remaining;
        boolean pinned = false;
        while ((remaining = deadline - System.nanoTime()) > 0)
        {
            Thread.sleep(Math.max(1, Math.min(100, remaining / 1_000_000)));
            if (stopping)
            {
                throw new InterruptedException("stopping");
            }
            if (trafgen.keepRunning(plan.generatorCpu()))
            {
                restarts++;
                pinned = false;
            }
            else if (!pinned)
            {
                // trafgen's sender pins itself to CPU 0 as it starts: correct that once it has
                trafgen.pin(plan.generatorCpu());
                pinned = true;
            }
        }
        return restarts;
    }

    /** Removes everything the harness set up; idempotent (runs at the end and again from the shutdown hook). */
    private synchronized void tearDown()
    {
        stopping = true;
        if (trafgen != null)
        {
            trafgen.stop();
        }
        for (final AutoCloseable forwarder : live.reversed())
        {
            try
            {
                forwarder.close();
            }
            catch (final Exception e)
            {
                System.err.println("e2e: cleanup: " + e.getMessage());
            }
        }
        live.clear();
        if (sink != null)
        {
            sink.close();
            sink = null;
        }
        if (topology != null)
        {
            topology.close();
            topology = null;
        }
    }
}
