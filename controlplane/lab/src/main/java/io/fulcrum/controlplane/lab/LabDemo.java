package io.fulcrum.controlplane.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code sudo ./fulcrum lab} shows: the lab comes up, the plumbing is proved without the balancer (the client
 * reaches every backend's own address through the router; the router finds the VIPs on lb1), then Fulcrum runs on
 * lb1: new connections spread over the backends, long-lived connections keep their backend while one backend leaves
 * the pool and comes back; the http proxy service spreads requests under each scheduler, and least-response-time
 * moves them away from a backend that was slowed down ({@link ProxyDemo}); lb1 dies and lb2 takes over; and the
 * counters say what went where. The lab goes down again, whatever happened. The
 * whole run is bounded in time.
 */
public final class LabDemo
{
    /** Far more than the demo needs (about a minute on 2 cores); past it the demo stops and cleans up. */
    public static final Duration TIME_BUDGET = Duration.ofMinutes(3);

    static final int NEW_CONNECTIONS = 150;
    static final int LONG_LIVED = 30;

    private final Lab lab;
    private final PrintStream out;
    private final String packetIo;

    public LabDemo(final Lab lab, final PrintStream out, final String packetIo)
    {
        this.lab = lab;
        this.out = out;
        this.packetIo = packetIo;
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

    private int steps() throws Exception
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
        out.println("== the balancer: fulcrum run on lb1 (" + packetIo + ")");
        lab.startBalancer(packetIo);
        boolean balanced;
        try
        {
            balanced = demonstrate();
        }
        finally
        {
            lab.stopBalancer();
        }
        return good == answers.size() && vipsOnLb1 && balanced ? 0 : 1;
    }

    /**
     * New connections spread over the backends; long-lived connections keep their backend while one backend is
     * taken out of the pool and put back; only the connections that were on the removed backend are lost.
     */
    private boolean demonstrate() throws Exception
    {
        out.println();
        out.println("== " + NEW_CONNECTIONS + " new HTTP connections from the client to each VIP (curl), by who answered");
        boolean ok = spread(lab.traffic(NEW_CONNECTIONS), List.of("be1", "be2", "be3"));

        out.println();
        out.println("== " + LONG_LIVED + " long-lived connections to " + LabTopology.VIP4 + ", each asking again and again");
        try (PersistentClients clients = PersistentClients.open(lab.topology().client().namespace(),
            InetAddress.getByName(LabTopology.VIP4), LabTopology.HTTP_PORT, LONG_LIVED))
        {
            final List<String> before = clients.ask();
            out.println("  backends: " + tally(before));

            out.println();
            out.println("== be3 taken out of the pool (config rewritten, SIGHUP to fulcrum run)");
            lab.reloadBalancer(Set.of("be3"));
            final List<String> during = clients.ask();
            int kept = 0;
            int others = 0;
            int lostOnBe3 = 0;
            for (int i = 0; i < before.size(); i++)
            {
                if (before.get(i).equals("be3"))
                {
                    lostOnBe3 += during.get(i).equals("be3") ? 0 : 1;
                }
                else
                {
                    others++;
                    kept += during.get(i).equals(before.get(i)) ? 1 : 0;
                }
            }
            out.printf("  connections on be1/be2 still on their backend: %d of %d%n", kept, others);
            out.printf("  connections that were on be3 and lost it: %d (the demo removed be3 from the pool, so its "
                + "flows go with it; fulcrum ctl drain would keep them until they end)%n", lostOnBe3);
            ok &= kept == others;
            ok &= spread(lab.traffic(NEW_CONNECTIONS / 2, List.of(LabTopology.VIP4)), List.of("be1", "be2"));

            out.println();
            out.println("== be3 back in the pool");
            lab.reloadBalancer(Set.of());
            final List<String> after = clients.ask();
            int stayed = 0;
            for (int i = 0; i < before.size(); i++)
            {
                if (!before.get(i).equals("be3"))
                {
                    stayed += after.get(i).equals(before.get(i)) ? 1 : 0;
                }
            }
            out.printf("  long-lived connections on be1/be2 still on their backend: %d of %d%n", stayed, others);
            ok &= stayed == others;
            ok &= spread(lab.traffic(NEW_CONNECTIONS / 2, List.of(LabTopology.VIP4)), List.of("be1", "be2", "be3"));
        }

        out.println();
        ok &= new ProxyDemo(lab, out).run();

        out.println();
        out.println("== lb1 dies mid-traffic: its LAN port goes down while the client probes the VIP every millisecond");
        final java.util.concurrent.CompletableFuture<UdpProbe.Result> probe = java.util.concurrent.CompletableFuture
            .supplyAsync(() ->
            {
                try
                {
                    return UdpProbe.run(lab.topology().client().namespace(), InetAddress.getByName(LabTopology.VIP4),
                        LabBackendServer.ECHO_PORT, java.time.Duration.ofSeconds(3));
                }
                catch (final Exception e)
                {
                    throw new LabException("probe failed: " + e.getMessage(), e);
                }
            });
        Thread.sleep(1000);
        out.println("  " + lab.kill("lb1", true));
        final UdpProbe.Result failover = probe.get();
        out.println("  " + failover.describe() + " (VRRP adverts every " + LabBalancerConfig.ADVERT_INTERVAL
            + ": lb2 takes over after Master_Down_Interval, about 360 ms, then announces the VIPs)");
        ok &= failover.answered() > 0 && failover.outageMillis() >= 0 && failover.outageMillis() < 2000;
        ok &= spread(lab.traffic(NEW_CONNECTIONS / 3), List.of("be1", "be2", "be3"));
        out.println("  " + lab.revive("lb1") + ": lb1 preempts (higher priority) and takes the VIPs back");

        out.println();
        out.println("== lb1's counters (fulcrum stat --file " + lab.balancerCounters() + ")");
        try (java.io.StringWriter text = new java.io.StringWriter())
        {
            io.fulcrum.controlplane.cli.FulcrumCommand.commandLine().setOut(new java.io.PrintWriter(text, true))
                .execute("stat", "--file", lab.balancerCounters().toString());
            text.toString().lines().skip(1).forEach(line -> out.println("  " + line));
        }
        return ok;
    }

    /** Prints the answers per backend and whether every expected backend served and no request failed. */
    private boolean spread(final List<TrafficResult> results, final List<String> expected)
    {
        boolean ok = true;
        for (final TrafficResult result : results)
        {
            out.println("  " + result.describe());
            final boolean allAnswered = result.answered() == result.requests();
            final boolean onlyExpected = expected.containsAll(result.answers().keySet());
            final boolean everyExpected = result.answers().keySet().containsAll(expected);
            if (!allAnswered || !onlyExpected || !everyExpected)
            {
                out.println("    NOT AS EXPECTED: every request answered, by each of " + expected + " and no other");
            }
            ok &= allAnswered && onlyExpected && everyExpected;
        }
        return ok;
    }

    private static String tally(final List<String> answers)
    {
        final Map<String, Integer> counts = new TreeMap<>();
        answers.forEach(answer -> counts.merge(answer, 1, Integer::sum));
        return counts.toString();
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
