package io.fulcrum.benchmarks.failover;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import io.fulcrum.controlplane.lab.DecapHook;
import io.fulcrum.controlplane.lab.Lab;
import io.fulcrum.controlplane.lab.LabBackendServer;
import io.fulcrum.controlplane.lab.LabTopology;
import io.fulcrum.controlplane.lab.UdpProbe;

/**
 * Client-visible outage of a VRRP failover, Fulcrum's VRRP beside keepalived 2.2.7, on the same lab, in the same run:
 * a UDP probe from the client to the VIP every millisecond; one second in, the master's LAN port goes down (a dead
 * box); the outage is the longest stretch without answers. Both pairs forward with Fulcrum's data plane; only the
 * VRRP daemon differs. Rounds alternate between the two so the machine's noise hits both alike; medians are printed.
 *
 * <pre>sudo java -cp benchmarks/target/benchmarks.jar io.fulcrum.benchmarks.failover.FailoverHarness [ROUNDS]</pre>
 */
public final class FailoverHarness
{
    private static final List<Duration> INTERVALS =
        List.of(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(10));

    private FailoverHarness()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        final Path state = Files.createTempDirectory("fulcrum-failover-");
        final Lab lab = new Lab(new LabTopology("fo"), state, System.err, DecapHook.XDP_IN_SERVER);
        Runtime.getRuntime().addShutdownHook(new Thread(lab::down));
        final List<String> rows = new ArrayList<>();
        try
        {
            lab.up();
            for (final Duration interval : INTERVALS)
            {
                final long[][] outages = new long[2][rounds];
                for (int round = 0; round < rounds; round++)
                {
                    for (int daemon = 0; daemon < 2; daemon++)
                    {
                        outages[daemon][round] = measure(lab, interval, daemon == 1);
                        System.err.printf("advert %s, %s, round %d: outage %d ms%n", interval,
                            daemon == 1 ? "keepalived" : "fulcrum", round + 1, outages[daemon][round]);
                    }
                }
                rows.add(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %s | %s |", text(interval),
                    median(outages[0]), median(outages[1]), median(outages[0]) / (double)Math.max(1, median(outages[1])),
                    Arrays.toString(outages[0]), Arrays.toString(outages[1])));
            }
        }
        finally
        {
            lab.down();
        }
        System.out.println("| advert interval | Fulcrum outage, median ms | keepalived outage, median ms | ratio | "
            + "Fulcrum rounds | keepalived rounds |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }

    /** One failover: the pair up with this VRRP daemon, probe, kill lb1, then everything back as it was. */
    private static long measure(final Lab lab, final Duration interval, final boolean keepalived) throws Exception
    {
        lab.vrrp(interval, keepalived);
        lab.startBalancer("auto");
        try
        {
            Thread.sleep(Math.max(500, 4 * interval.toMillis())); // the backup has heard a few adverts
            final Duration probeFor = Duration.ofMillis(1000 + 4 * interval.toMillis() + 1000);
            final CompletableFuture<UdpProbe.Result> probe = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return UdpProbe.run(lab.topology().client().namespace(), InetAddress.getByName(LabTopology.VIP4),
                        LabBackendServer.ECHO_PORT, probeFor);
                }
                catch (final Exception e)
                {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1000);
            lab.kill("lb1", true);
            return probe.get().outageMillis();
        }
        finally
        {
            lab.stopBalancer();
            lab.revive("lb1");
        }
    }

    private static long median(final long[] values)
    {
        final long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String text(final Duration interval)
    {
        return interval.toMillis() >= 1000 ? interval.toSeconds() + " s" : interval.toMillis() + " ms";
    }
}
