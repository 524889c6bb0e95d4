package io.fulcrum.benchmarks.proxy;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fulcrum.benchmarks.harness.CpuPlan;
import io.fulcrum.benchmarks.harness.CpuTime;
import io.fulcrum.benchmarks.harness.PinnedProcess;
import io.fulcrum.dataplane.sys.Commands;
import io.fulcrum.dataplane.sys.Privileges;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The proxy benchmark: wrk against nginx through Fulcrum's tcp and http modes (io_uring and epoll) and through
 * HAProxy 2.6 in the same modes, and straight to nginx for the ceiling, in one run on the same namespaces (see
 * {@link ProxyTopology}), the proxy alone on one CPU, wrk and nginx on another. Each round starts every contender
 * once, in an order rotated by one each round, runs its cases (a warm-up, then the measured window) and stops it;
 * medians over rounds are printed with ratios to HAProxy and to direct.
 *
 * <pre>
 * ./fulcrum bench proxy [--rounds 3] [--window 10] [--warmup 5] [--cases keep-alive,close]
 *     [--proxies direct,haproxy,fulcrum] [--connections 64] [--client-cpu 0] [--proxy-cpu N] [--nice -10]
 *     [--json] [--smoke] [--fulcrum ./fulcrum] [--work-dir DIR]
 * </pre>
 *
 * Runs as root. What it creates (namespaces, nginx, the proxies, wrk) is removed at the end, on failure and on
 * Ctrl-C; configurations and logs stay in the work directory.
 */
@Command(name = "proxy", sortOptions = false,
    description = "HTTP requests/s, latency and the proxy's CPU time per request: Fulcrum's tcp and http modes on "
        + "io_uring and epoll against HAProxy, wrk as the client, nginx as the backends. Needs root, wrk, nginx and "
        + "haproxy.")
public final class ProxyHarness implements Callable<Integer>
{
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
        description = "Rounds, the contenders' order rotated each round (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--window", paramLabel = "SECONDS", defaultValue = "10",
        description = "Measured wrk run per contender and case, whole seconds (default: ${DEFAULT-VALUE}).")
    private int windowSeconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5",
        description = "wrk run before each window, not measured; 0 for none (default: ${DEFAULT-VALUE}).")
    private int warmupSeconds;

    @Option(names = "--cases", paramLabel = "CASE", split = ",", defaultValue = "keep-alive,close",
        description = "keep-alive, close (a connection per request; http-mode proxies and direct only) "
            + "(default: ${DEFAULT-VALUE}).")
    private List<String> caseKeys;

    @Option(names = "--proxies", paramLabel = "PROXY", split = ",", defaultValue = "direct,haproxy,fulcrum",
        description = "direct, haproxy, fulcrum, or one of direct, haproxy-http, haproxy-tcp, fulcrum-http-io_uring, "
            + "fulcrum-http-epoll, fulcrum-tcp-io_uring, fulcrum-tcp-epoll (default: ${DEFAULT-VALUE}).")
    private List<String> proxyKeys;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "64",
        description = "wrk's connections (one thread) (default: ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--client-cpu", paramLabel = "N", defaultValue = "0",
        description = "The CPU of wrk and nginx (default: ${DEFAULT-VALUE}).")
    private int clientCpu;

    @Option(names = "--proxy-cpu", paramLabel = "N", defaultValue = "-1",
        description = "The proxy's CPU (default: the last CPU; with one CPU, everything shares it).")
    private int proxyCpu;

    @Option(names = "--nice", paramLabel = "N", defaultValue = "-10",
        description = "Niceness of wrk, nginx and the proxy alike (default: ${DEFAULT-VALUE}).")
    private int nice;

    @Option(names = "--json", description = "Print the figures as JSON instead of tables (progress on stderr).")
    private boolean json;

    @Option(names = "--smoke", description = "One round of 1 s windows after 1 s warm-ups: does every part run (CI).")
    private boolean smoke;

    @Option(names = "--fulcrum", paramLabel = "LAUNCHER", defaultValue = "fulcrum",
        description = "The fulcrum launcher that runs Fulcrum's proxy (default: ${DEFAULT-VALUE}).")
    private Path launcher;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "Where configurations and logs go (default: a new temporary directory).")
    private Path workDir;

    @Spec
    private CommandSpec spec;

    private List<LoadCase> cases;
    private List<Contender> contenders;
    private CpuPlan plan;
    private final List<AutoCloseable> live = new CopyOnWriteArrayList<>();
    /** Set by the shutdown hook: the measuring thread must not start anything any more. */
    private volatile boolean stopping;
    private ProxyTopology topology;
    private ProxyTable table;

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new ProxyHarness()).execute(args));
    }

    /** 0: every case of every contender measured; 1: one failed (the table says which and why); 2: cannot run. */
    @Override
    public Integer call() throws Exception
    {
        checkOptions();
        if (!Privileges.isRoot())
        {
            System.err.println("proxy: needs root (network namespaces)");
            return 2;
        }
        for (final String program : List.of(Wrk.PROGRAM, NginxBackends.PROGRAM, Haproxy.PROGRAM, "curl", "taskset"))
        {
            if (!Commands.onPath(program))
            {
                System.err.println("proxy: " + program + " not found: run .ci/install-packages bench");
                return 2;
            }
        }
        final Thread cleanup = new Thread(this::tearDown, "proxy-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try
        {
            run();
        }
        catch (final InterruptedException e)
        {
            System.err.println("proxy: stopped; everything it set up is removed");
            return 1;
        }
        finally
        {
            tearDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
            catch (final IllegalStateException e)
            {
                // the JVM is shutting down: the hook runs (or ran) anyway
            }
        }
        return table.anyFailed() ? 1 : 0;
    }

    /** What picocli's types do not say: ranges and words; a usage error (exit code 2) otherwise. */
    private void checkOptions()
    {
        if (smoke)
        {
            rounds = 1;
            windowSeconds = 1;
            warmupSeconds = 1;
        }
        if (rounds < 1)
        {
            throw new ParameterException(spec.commandLine(), "--rounds must be at least 1");
        }
        if (windowSeconds < 1 || warmupSeconds < 0)
        {
            throw new ParameterException(spec.commandLine(), "--window must be at least 1 s, --warmup at least 0");
        }
        if (connections < 1)
        {
            throw new ParameterException(spec.commandLine(), "--connections must be at least 1");
        }
        try
        {
            cases = caseKeys.stream().map(LoadCase::byKey).distinct().sorted().toList();
            contenders = Contender.parse(proxyKeys);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        final int cpus = Runtime.getRuntime().availableProcessors();
        if (proxyCpu < 0)
        {
            proxyCpu = cpus - 1;
        }
        if (proxyCpu >= cpus || clientCpu < 0 || clientCpu >= cpus)
        {
            throw new ParameterException(spec.commandLine(), "--client-cpu and --proxy-cpu: 0 to " + (cpus - 1));
        }
        plan = proxyCpu == clientCpu ? CpuPlan.oneCore(clientCpu) : CpuPlan.spread(clientCpu, proxyCpu);
        launcher = launcher.toAbsolutePath();
    }

    /** Progress lines: on stdout beside the tables, on stderr when stdout carries JSON. */
    private PrintStream progress()
    {
        return json ? System.err : System.out;
    }

    private void run() throws Exception
    {
        if (workDir == null)
        {
            workDir = Files.createTempDirectory("fulcrum-proxy-bench-");
        }
        Files.createDirectories(workDir);
        final String setup = String.format(Locale.ROOT, "wrk -t 1 -c %d, %d B body from nginx (1 worker, 2 "
            + "addresses); %s; %d round(s), %d s windows after %d s warm-ups", connections, NginxBackends.BODY_BYTES,
            plan.shared() ? "proxy, wrk and nginx all on CPU " + plan.balancerCpu()
                : "proxy on CPU " + plan.balancerCpu() + ", wrk and nginx on CPU " + plan.generatorCpu(),
            rounds, windowSeconds, warmupSeconds);
        table = new ProxyTable(cases, contenders, setup);
        progress().printf(Locale.ROOT, "proxy: %s; %s; logs in %s%n", setup,
            contenders.stream().map(c -> c.key).toList(), workDir);
        topology = ProxyTopology.create();
        final NginxBackends backends = NginxBackends.start(workDir, plan.generatorCpu(), nice);
        live.add(backends);
        final double loadAtStart = loadAverage();
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < contenders.size(); i++)
            {
                // rotate the order each round, so that no contender always runs first (or after the same one)
                final Contender contender = contenders.get((i + round) % contenders.size());
                if (!table.failed(contender))
                {
                    runContender(contender, round);
                }
            }
        }
        table.load(loadAtStart, loadAverage());
        if (json)
        {
            System.out.print(table.json());
        }
        else
        {
            System.out.println();
            System.out.print(table.render());
        }
    }

    /** Starts the contender, measures each of its cases once, stops it; a failure is the table's, not the run's. */
    private void runContender(final Contender contender, final int round) throws InterruptedException
    {
        PinnedProcess proxy = null;
        try
        {
            proxy = contender.start(launcher, workDir, plan.balancerCpu(), nice);
            if (proxy != null)
            {
                live.add(proxy);
            }
            for (final LoadCase loadCase : cases)
            {
                if (!contender.runs(loadCase))
                {
                    continue;
                }
                checkStopping();
                final RequestMeasurement measured = measure(contender, loadCase, proxy);
                table.add(loadCase, contender, measured);
                progress().printf(Locale.ROOT, "proxy: round %d  %-10s %-24s %8.0f req/s, p50 %6.0f us, p99 %6.0f us,"
                    + " proxy %s us CPU/request%s%n", round + 1, loadCase.key, contender.title,
                    measured.requestsPerSecond(), measured.wrk().p50Micros(), measured.wrk().p99Micros(),
                    Double.isNaN(measured.proxyCpuMicrosPerRequest()) ? "-"
                        : String.format(Locale.ROOT, "%.1f", measured.proxyCpuMicrosPerRequest()),
                    measured.wrk().socketErrors() + measured.wrk().non2xx() == 0 ? ""
                        : ", " + measured.wrk().socketErrors() + " socket errors, " + measured.wrk().non2xx()
                            + " non-2xx");
            }
        }
        catch (final InterruptedException e)
        {
            throw e;
        }
        catch (final Exception e)
        {
            if (stopping)
            {
                throw new InterruptedException("stopping");
            }
            table.fail(contender, e.getMessage());
            System.err.println("proxy: " + contender.key + " failed; it is left out of the later rounds: "
                + e.getMessage());
        }
        finally
        {
            if (proxy != null)
            {
                live.remove(proxy);
                proxy.close();
            }
        }
    }

    /**
     * A warm-up run, then the measured run with the proxy's CPU time, and how busy the client's CPU was, sampled just
     * before and just after it.
     */
    private RequestMeasurement measure(final Contender contender, final LoadCase loadCase, final PinnedProcess proxy)
        throws Exception
    {
        final String name = contender.key + "-" + loadCase.key;
        if (warmupSeconds > 0)
        {
            runWrk(workDir.resolve("wrk-" + name + "-warmup.log"), contender, loadCase, warmupSeconds);
        }
        if (proxy != null && !proxy.isAlive())
        {
            throw new IllegalStateException(contender.key + " exited during the warm-up; see " + proxy.log());
        }
        final List<Long> proxyPid = proxy == null ? List.of() : List.of(proxy.pid());
        final Map<Long, Long> cpu0 = CpuTime.sample(proxyPid);
        final long[] client0 = CpuTime.cpuTicks(plan.generatorCpu());
        final long start = System.nanoTime();
        final WrkResult result = runWrk(workDir.resolve("wrk-" + name + ".log"), contender, loadCase, windowSeconds);
        final Map<Long, Long> cpu1 = CpuTime.sample(proxyPid);
        final long[] client1 = CpuTime.cpuTicks(plan.generatorCpu());
        final double sampled = (System.nanoTime() - start) / 1e9;
        return new RequestMeasurement(result, proxy == null ? -1 : CpuTime.between(cpu0, cpu1), sampled,
            CpuTime.busyShare(client0, client1));
    }

    private WrkResult runWrk(final Path log, final Contender contender, final LoadCase loadCase, final int seconds)
        throws Exception
    {
        checkStopping();
        final Wrk wrk = Wrk.start(log, contender.url(), loadCase, connections, seconds, plan.generatorCpu(), nice);
        live.add(wrk);
        try
        {
            return wrk.await();
        }
        finally
        {
            live.remove(wrk);
            wrk.close();
        }
    }

    /** The first field of /proc/loadavg: how much else the machine was running. */
    private static double loadAverage() throws IOException
    {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    private void checkStopping() throws InterruptedException
    {
        if (stopping)
        {
            throw new InterruptedException("stopping");
        }
    }

    /** The figures so far; for the tests. */
    ProxyTable table()
    {
        return table;
    }

    /** Removes everything the harness set up; idempotent (runs at the end and again from the shutdown hook). */
    private synchronized void tearDown()
    {
        stopping = true;
        for (final AutoCloseable process : live.reversed())
        {
            try
            {
                process.close();
            }
            catch (final Exception e)
            {
                System.err.println("proxy: cleanup: " + e.getMessage());
            }
        }
        live.clear();
        if (topology != null)
        {
            topology.close();
            topology = null;
        }
    }
}
