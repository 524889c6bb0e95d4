package io.fulcrum.controlplane.lab.chaos;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fulcrum.controlplane.lab.Lab;
import io.fulcrum.controlplane.lab.LabException;

/**
 * {@code sudo ./fulcrum lab chaos}: brings a lab up, runs the fault suite on it, prints the table and takes the lab
 * down, whatever happened (also on Ctrl-C). Bounded by {@link #TIME_BUDGET}.
 */
public final class ChaosRun
{
    /** The whole suite takes about 2 minutes on 2 cores; past this it stops and cleans up. */
    public static final Duration TIME_BUDGET = Duration.ofMinutes(8);

    private final Lab lab;
    private final PrintStream out;
    private final ChaosSuite suite;

    public ChaosRun(final Lab lab, final PrintStream out, final String packetIo, final boolean sync,
        final int connections, final int newPerSecond)
    {
        this.lab = lab;
        this.out = out;
        this.suite = new ChaosSuite(lab, out, packetIo, sync, connections, newPerSecond);
    }

    /** Returns 0 when every scenario run met its goal, 1 otherwise (a skipped scenario too). */
    public int run(final List<Scenario> scenarios)
    {
        Lab.checkPrerequisites();
        final Instant started = Instant.now();
        if (lab.isUp() || !lab.existingNamespaces().isEmpty())
        {
            out.println("a lab '" + lab.topology().prefix() + "' is already up: removing it first");
            lab.down();
        }
        final FutureTask<List<ScenarioResult>> steps = new FutureTask<>(() ->
        {
            lab.up();
            return suite.run(scenarios);
        });
        final Thread runner = Thread.ofPlatform().name("fulcrum-lab-chaos").unstarted(steps);
        final Thread onInterrupt = new Thread(() ->
        {
            runner.interrupt();
            join(runner);
            out.println("interrupted: taking the lab down");
            lab.down();
        }, "fulcrum-lab-chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        runner.start();
        try
        {
            final List<ScenarioResult> results = steps.get(TIME_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
            out.println();
            out.print(ChaosReport.details(results));
            out.println();
            out.print(ChaosReport.table(results, suite.sync()));
            return results.stream().allMatch(ScenarioResult::goalMet) ? 0 : 1;
        }
        catch (final TimeoutException e)
        {
            steps.cancel(true);
            out.println("the fault suite ran past its time budget of " + TIME_BUDGET.toSeconds() + " s: stopping it");
            return 1;
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            throw new LabException("fault suite failed: " + e.getCause(), e.getCause());
        }
        catch (final InterruptedException e)
        {
            steps.cancel(true);
            Thread.currentThread().interrupt();
            return 1;
        }
        finally
        {
            runner.interrupt();
            join(runner);
            out.println();
            out.println("== taking the lab down");
            lab.down();
            try
            {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            }
            catch (final IllegalStateException shuttingDown)
            {
                // the JVM exits and the hook runs: it finds nothing left
            }
            out.printf("fault suite finished in %.1f s%n", Duration.between(started, Instant.now()).toMillis() / 1e3);
        }
    }

    private static void join(final Thread thread)
    {
        try
        {
            thread.join(Duration.ofSeconds(30));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
