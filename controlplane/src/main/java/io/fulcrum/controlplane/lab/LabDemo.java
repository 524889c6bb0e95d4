package io.fulcrum.controlplane.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code sudo ./fulcrum lab} shows: the lab comes up, the plumbing is proved without the balancer (the client
 * reaches every backend's own address through the router; the router finds the VIPs on lb1), the balancer step
 * runs where it exists, and the lab goes down again, whatever happened. The whole run is bounded in time.
 */
public final class LabDemo
{
    /** Far more than the demo needs (about 10 s on 2 cores); past it the demo stops and cleans up. */
    public static final Duration TIME_BUDGET = Duration.ofMinutes(3);

    private final Lab lab;
    private final PrintStream out;

    public LabDemo(final Lab lab, final PrintStream out)
    {
        this.lab = lab;
        this.out = out;
    }

    /** Runs the demo; returns 0 when every check passed, 1 otherwise. The lab is down when it returns. */
    public int run()
    {
        Lab.checkPrerequisites();
        final Instant started = Instant.now();
        if (lab.isUp() || !lab.existingNamespaces().isEmpty())
        {
            out.println("a lab '" + lab.topology().prefix() + "' is already up: removing it first");
            lab.down();
        }
        final FutureTask<Integer> steps = new FutureTask<>(this::steps);
        final Thread runner = Thread.ofPlatform().name("fulcrum-lab-demo").unstarted(steps);
        // Ctrl-C ends the JVM without running the finally below: stop the steps and take the lab down anyway.
        final Thread onInterrupt = new Thread(() ->
        {
            runner.interrupt();
            joinQuietly(runner);
            out.println("interrupted: taking the lab down");
            lab.down();
        }, "fulcrum-lab-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        runner.start();
        try
        {
            return await(steps);
        }
        finally
        {
            runner.interrupt();
            joinQuietly(runner);
            out.println();
            out.println("== taking the lab down");
            lab.down();
            removeHook(onInterrupt);
            out.printf("demo finished in %.1f s%n", Duration.between(started, Instant.now()).toMillis() / 1000.0);
        }
    }

    private int await(final Future<Integer> steps)
    {
        try
        {
            return steps.get(TIME_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException e)
        {
            steps.cancel(true);
            out.println("the demo ran past its time budget of " + TIME_BUDGET.toSeconds() + " s: stopping it");
            return 1;
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            throw new LabException("demo failed: " + e.getCause(), e.getCause());
        }
        catch (final InterruptedException e)
        {
            steps.cancel(true);
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private int steps()
    {
        out.println("== bringing the lab up");
        lab.up();

        out.println();
        out.println("== status");
        out.print(lab.status());

        out.println();
        out.println("== plumbing, without the balancer: client -> router -> each backend's own address");
        int good = 0;
        final Map<String, Curl.Answer> answers = lab.reachBackendsDirectly();
        for (final Map.Entry<String, Curl.Answer> answer : answers.entrySet())
        {
            final Curl.Answer result = answer.getValue();
            out.printf("  client -> %-24s %s%n", answer.getKey(),
                result.ok() ? "answered '" + result.text() + "'" : "FAILED: " + result.text());
            good += result.ok() ? 1 : 0;
        }
        out.printf("  %d of %d requests answered (IPv4 and IPv6, every backend)%n", good, answers.size());

        out.println();
        out.println("== who answers for the VIPs on the LAN (the router's neighbour table)");
        final String ownerMac = lab.macOf(lab.topology().primaryBalancer());
        boolean vipsOnLb1 = true;
        for (final Map.Entry<String, String> owner : lab.vipOwnersSeenByRouter().entrySet())
        {
            final boolean lb1 = owner.getValue().equals(ownerMac);
            vipsOnLb1 &= lb1;
            out.printf("  %-14s -> %s%n", owner.getKey(), owner.getValue().isEmpty() ? "nobody answered"
                : owner.getValue() + (lb1 ? " (lb1, as it should)" : " (NOT lb1)"));
        }

        out.println();
        out.println("== the balancer");
        out.println("  config for lb1 written to " + lab.writeBalancerConfig());
        try
        {
            lab.startBalancer();
            try
            {
                for (final TrafficResult result : lab.traffic(20))
                {
                    out.println("  " + result.describe());
                }
            }
            finally
            {
                lab.stopBalancer();
            }
        }
        catch (final UnsupportedOperationException e)
        {
            out.println("  " + e.getMessage());
        }
        return good == answers.size() && vipsOnLb1 ? 0 : 1;
    }

    private static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // The JVM is already exiting and the hook runs: it finds nothing left to remove.
        }
    }

    private static void joinQuietly(final Thread thread)
    {
        try
        {
            thread.join(Duration.ofSeconds(15));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
