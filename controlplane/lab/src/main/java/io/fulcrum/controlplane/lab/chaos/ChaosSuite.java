package io.fulcrum.controlplane.lab.chaos;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

import io.fulcrum.controlplane.lab.Lab;
import io.fulcrum.controlplane.lab.LabException;
import io.fulcrum.controlplane.lab.LabNode;
import io.fulcrum.controlplane.lab.LabTopology;
import io.fulcrum.controlplane.lab.TrafficResult;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CountersFile;

/**
 * Runs the fault scenarios on a lab that is up: before each one the lab is brought to a known state (both balancers
 * running, lb1 master, every backend up and in the pool, no filter left), then the workload opens its connections,
 * the fault is injected, the workload watches for {@link #SETTLE} and is stopped. Bounded: each scenario takes about
 * 10 s (more with a restart), and a scenario that cannot bring the lab back throws.
 */
public final class ChaosSuite
{
    /** What the issue asks: at least 200 long-lived connections, and a stream of new ones. */
    public static final int CONNECTIONS = 200;
    public static final int NEW_PER_SECOND = 20;
    /** Long enough after the fault for a dead flow to show ({@link Workload#ANSWER_TIMEOUT}) and for the health check. */
    public static final Duration SETTLE = Duration.ofSeconds(6);
    static final Duration WARMUP = Duration.ofSeconds(1);
    static final Duration PARTITION = Duration.ofSeconds(2);
    static final String ADDED_BACKEND = "be3";
    static final String KILLED_BACKEND = "be2";
    static final String MASTER = "lb1";
    static final String STANDBY = "lb2";
    static final int SYNC_LOSS_PERCENT = 10;
    private static final Duration MASTER_LIMIT = Duration.ofSeconds(10);

    private final Lab lab;
    private final PrintStream out;
    private final Faults faults;
    private final String packetIo;
    private final boolean sync;
    private final int connections;
    private final int newPerSecond;

    /**
     * @param sync false: the balancers run without their {@code sync:} section (the lab's configs are rewritten and
     *             the pair restarted on the first scenario)
     */
    public ChaosSuite(final Lab lab, final PrintStream out, final String packetIo, final boolean sync,
        final int connections, final int newPerSecond)
    {
        this.lab = lab;
        this.out = out;
        this.faults = new Faults(lab);
        this.packetIo = packetIo;
        this.sync = sync;
        this.connections = connections;
        this.newPerSecond = newPerSecond;
    }

    public boolean sync()
    {
        return sync;
    }

    /**
     * Runs the scenarios in order and returns their results; the pair is (re)started with this suite's sync setting
     * first, and left running in the known state at the end.
     */
    public List<ScenarioResult> run(final List<Scenario> scenarios)
    {
        lab.sync(sync);
        faults.clear();
        if (!faults.liveBalancers().isEmpty())
        {
            lab.stopBalancer();
        }
        lab.startBalancer(packetIo);
        // From the known state, as every later scenario: the first one right after a start found the pair unsettled.
        restore();
        final List<ScenarioResult> results = new ArrayList<>();
        for (final Scenario scenario : scenarios)
        {
            final Instant started = Instant.now();
            out.println("== scenario " + scenario.number() + ": " + scenario.title());
            final ScenarioResult result = run(scenario);
            results.add(result);
            out.println("   " + (result.wasSkipped() ? "skipped: " + result.skipped() : result.workload().describe()));
            restore();
            out.printf("   %s in %.1f s%n", result.verdict(), Duration.between(started, Instant.now()).toMillis() / 1e3);
        }
        return results;
    }

    private ScenarioResult run(final Scenario scenario)
    {
        final OptionalInt syncPort = sync ? OptionalInt.of(LabTopology.SYNC_PORT) : OptionalInt.empty();
        if (scenario == Scenario.SYNC_LOSS && syncPort.isEmpty())
        {
            return ScenarioResult.skipped(scenario, "needs sync: run without sync");
        }
        final List<String> steps = new ArrayList<>();
        if (scenario.backendAdded())
        {
            lab.reloadBalancer(Set.of(ADDED_BACKEND));
            steps.add(ADDED_BACKEND + " out of the pool while the connections open");
        }
        if (scenario == Scenario.SYNC_LOSS)
        {
            steps.add(faults.lossySync(syncPort.getAsInt(), SYNC_LOSS_PERCENT));
        }
        final Workload workload = new Workload(lab.topology().client().namespace(), vip(), connections, newPerSecond);
        workload.start();
        WorkloadResult result = null;
        try
        {
            if (scenario.backendAdded())
            {
                lab.reloadBalancer(Set.of());
                steps.add(ADDED_BACKEND + " added to the pool on both balancers (config rewritten, SIGHUP)");
            }
            pause(WARMUP);
            if (syncPort.isPresent())
            {
                // What the standby holds before the fault: the evidence when a stateful failover loses connections
                steps.add(syncCounters(MASTER, "before the fault"));
                steps.add(syncCounters(STANDBY, "before the fault"));
            }
            workload.markFault();
            inject(scenario, steps);
            pause(SETTLE);
            if (scenario == Scenario.SYNC_LOSS)
            {
                steps.add(syncCounters(STANDBY, "after the fault"));
            }
        }
        finally
        {
            result = workload.stop();
        }
        if (result == null)
        {
            throw new LabException("the workload of scenario " + scenario.number() + " ended without a result");
        }
        if (scenario == Scenario.SYNC_LOSS)
        {
            steps.add(faults.syncDrops() + " sync datagrams dropped");
        }
        return new ScenarioResult(scenario, result, null,
            scenario == Scenario.BACKEND_KILLED ? KILLED_BACKEND : null, steps);
    }

    private void inject(final Scenario scenario, final List<String> steps)
    {
        switch (scenario)
        {
            case MASTER_KILLED, SYNC_LOSS -> steps.add(faults.signalBalancer(MASTER, true));
            case MASTER_LINK_DOWN -> steps.add(lab.kill(MASTER, true));
            case LAN_PARTITION ->
            {
                steps.add(faults.partition(MASTER));
                pause(PARTITION);
                steps.add(faults.heal() + " after " + PARTITION.toMillis() + " ms");
            }
            case GRACEFUL_STOP -> steps.add(faults.signalBalancer(MASTER, false));
            case DATAPLANE_RESTART ->
            {
                steps.add(faults.signalBalancer(MASTER, true));
                final Instant before = Instant.now();
                lab.restartBalancer(MASTER);
                steps.add("fulcrum run started again on " + MASTER + ", forwarding after "
                    + Duration.between(before, Instant.now()).toMillis() + " ms");
            }
            case BACKEND_KILLED -> steps.add(lab.kill(KILLED_BACKEND, false));
        }
    }

    /**
     * The known state: no filter, every LAN port up, every backend serving, both balancers running with lb1 master and
     * every backend in the pool. A pair that lost a member or whose master is not lb1 is restarted whole.
     */
    public void restore()
    {
        faults.clear();
        boolean revived = false;
        for (final LabNode backend : lab.topology().backends())
        {
            if (!lab.liveProcesses().containsKey(backend.name()))
            {
                out.println("   restore: " + lab.revive(backend.name()));
                revived = true;
            }
        }
        if (faults.liveBalancers().size() == 2)
        {
            lab.reloadBalancer(Set.of());
        }
        if (faults.liveBalancers().size() < 2 || !awaitMaster())
        {
            out.println("   restore: restarting the pair");
            lab.stopBalancer();
            lab.startBalancer(packetIo);
            if (!awaitMaster())
            {
                throw new LabException("lb1 is not the only VIP holder after restarting the pair");
            }
        }
        if (revived)
        {
            // The health check puts a backend back after 2 good checks 500 ms apart.
            pause(Duration.ofMillis(2500));
        }
        for (final TrafficResult traffic : lab.traffic(6, List.of(LabTopology.VIP4)))
        {
            if (traffic.answered() != traffic.requests())
            {
                throw new LabException("the lab did not return to a working state: " + traffic.describe());
            }
        }
    }

    private boolean awaitMaster()
    {
        final Instant deadline = Instant.now().plus(MASTER_LIMIT);
        while (Instant.now().isBefore(deadline))
        {
            if (faults.holdsVip(MASTER) && !faults.holdsVip("lb2"))
            {
                return true;
            }
            pause(Duration.ofMillis(100));
        }
        return false;
    }

    /** The sync counters of a balancer that are not zero, read from its counters file (as {@code fulcrum stat}). */
    private String syncCounters(final String balancer, final String when)
    {
        try (CountersFile file = CountersFile.openReadOnly(lab.balancerCounters(balancer)))
        {
            final StringBuilder text = new StringBuilder(balancer + " sync counters " + when + ":");
            for (final CounterTotals.Row row : CounterTotals.read(file.reader()).rows())
            {
                if (row.label().startsWith("sync:") && row.value() != 0 && !row.label().contains("bytes"))
                {
                    text.append(' ').append(row.label().substring("sync: ".length())).append('=').append(row.value())
                        .append(';');
                }
            }
            return text.toString();
        }
        catch (final Exception e)
        {
            return balancer + " sync counters " + when + ": unreadable (" + e.getMessage() + ")";
        }
    }

    private static InetSocketAddress vip()
    {
        try
        {
            return new InetSocketAddress(InetAddress.getByName(LabTopology.VIP4), LabTopology.HTTP_PORT);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e);
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
}
