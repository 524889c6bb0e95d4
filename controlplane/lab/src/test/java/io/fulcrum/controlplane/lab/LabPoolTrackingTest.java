package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.fulcrum.dataplane.sys.Commands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Pool-health tracking in the lab: both balancers track pool web4 with min-healthy 3 and weight -60. When lb1 (150)
 * loses sight of one backend (its health checks to be1 are black-holed; lb2 still sees all three), its priority falls
 * to 90, below lb2's 100, and lb2 takes the VIPs; when lb1 sees be1 again it is back at 150 and takes them back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class LabPoolTrackingTest
{
    /** Three failed checks at 500 ms, the takeover, and a loaded 2-core machine. */
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private Lab lab;
    private String be1;

    @BeforeAll
    void up()
    {
        LabRequirements.requireLabTools();
        lab = LabRequirements.testLab(DecapHook.XDP_IN_SERVER);
        lab.up();
        lab.trackPools("[{ pool: web4, min-healthy: 3, weight: -60 }]");
        lab.startBalancer("auto");
        be1 = lab.topology().node("be1").lan4();
    }

    @AfterAll
    void down()
    {
        if (lab != null)
        {
            lab.down();
        }
    }

    @Test
    void aMasterThatSeesTooFewHealthyBackendsHandsTheVipsToItsPeerAndTakesThemBackWhenTheyRecover() throws Exception
    {
        final String lb1 = lab.topology().primaryBalancer().namespace();
        final int lb1Start = log("lb1").length();
        final int lb2Start = log("lb2").length();
        Commands.checkIn(lb1, "ip", "route", "add", "blackhole", be1 + "/32");
        try
        {
            awaitLog("lb1", lb1Start, "pool web4 has 2 healthy backend(s), fewer than 3; priority 90 (was 150)");
            awaitLog("lb2", lb2Start, "(VI_4) Entering MASTER STATE");
            awaitLog("lb2", lb2Start, "(VI_6) Entering MASTER STATE"); // the sync group moved the IPv6 VIP too
            for (final TrafficResult traffic : lab.traffic(30, List.of(LabTopology.VIP4)))
            {
                assertEquals(30, traffic.answered(), "served by lb2: " + traffic.describe());
            }
        }
        finally
        {
            Commands.runIn(lb1, Commands.DEFAULT_LIMIT, "ip", "route", "del", "blackhole", be1 + "/32");
        }
        final int lb2Back = log("lb2").length();
        awaitLog("lb1", lb1Start, "pool web4 has 3 healthy backend(s), at least 3; priority 150 (was 90)");
        // whichever instance hears lb1 first steps down for its priority, the other follows it as its sync group
        awaitLog("lb2", lb2Back, "(VI_4) Entering BACKUP STATE");
        awaitLog("lb2", lb2Back, "(VI_6) Entering BACKUP STATE");
        awaitLog("lb2", lb2Back, "Entering BACKUP STATE (higher priority 150 advertised)");
        for (final TrafficResult traffic : lab.traffic(30, List.of(LabTopology.VIP4, LabTopology.VIP6)))
        {
            assertEquals(30, traffic.answered(), "served by lb1 again: " + traffic.describe());
        }
    }

    private void awaitLog(final String node, final int from, final String line) throws InterruptedException
    {
        final Instant deadline = Instant.now().plus(LIMIT);
        while (!log(node).substring(from).contains(line))
        {
            assertTrue(Instant.now().isBefore(deadline), node + " never logged '" + line + "':\n"
                + log(node).substring(from));
            Thread.sleep(100);
        }
    }

    private String log(final String node)
    {
        try
        {
            return Files.readString(lab.logFile(lab.topology().node(node)));
        }
        catch (final java.io.IOException e)
        {
            return "";
        }
    }
}
