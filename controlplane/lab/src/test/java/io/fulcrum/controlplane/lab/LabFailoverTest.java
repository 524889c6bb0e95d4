package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The VRRP pair in the lab, as a client sees it: when lb1 dies (its LAN port goes down) lb2 takes the VIPs over
 * within Master_Down_Interval plus a margin and clients are served again, balanced over the backends, through the
 * same virtual MAC the router already had for the VIPs (only the switch's port for it moves); lb2's http proxy, which
 * listened on the proxy VIP before it owned it, takes new connections at once; when lb1 returns it takes them back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class LabFailoverTest
{
    /** 3 x 100 ms adverts + Skew_Time (61 ms at priority 100): RFC 9568 section 6.1. */
    private static final long MASTER_DOWN_INTERVAL_MS = 361;
    /** Generous, for the announcement and a loaded 2-core machine: failover bounds are the one timing we assert. */
    private static final long MARGIN_MS = 1000;

    private Lab lab;

    @BeforeAll
    void up()
    {
        LabRequirements.requireLabTools();
        lab = LabRequirements.testLab(DecapHook.XDP_IN_SERVER);
        lab.up();
        lab.startBalancer("auto");
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
    void theStandbyTakesOverWithinMasterDownIntervalAndTheMasterTakesBackWhenItReturns() throws Exception
    {
        // RFC 9568 section 7.3: the pair answers for its VIPs with the virtual router MAC (VRID 51 and 52), which the
        // data plane forwards for, so the router's neighbour entries need no change when the master does.
        final Map<String, String> virtualMacs = Map.of(LabTopology.VIP4, "00:00:5e:00:01:33",
            LabTopology.VIP6, "00:00:5e:00:02:34");
        assertEquals(virtualMacs, lab.vipOwnersSeenByRouter());
        assertEquals("lb1", lab.switchPortOf("00:00:5e:00:01:33"),
            "the LAN's switch has the virtual MAC on lb1's port");
        assertEquals(30, proxied(30).answered(), "lb1's http proxy answers on the proxy VIP before the takeover");
        final CompletableFuture<UdpProbe.Result> probe = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return UdpProbe.run(lab.topology().client().namespace(), InetAddress.getByName(LabTopology.VIP4),
                    LabBackendServer.ECHO_PORT, Duration.ofSeconds(3));
            }
            catch (final Exception e)
            {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1000);
        lab.kill("lb1", true);
        final UdpProbe.Result result = probe.get();
        assertTrue(result.answered() > 1500, result.describe());
        assertTrue(result.outageMillis() > 0, "lb1 carried the traffic until it died: " + result.describe());
        assertTrue(result.outageMillis() < MASTER_DOWN_INTERVAL_MS + MARGIN_MS, result.describe());
        assertTrue(log("lb2").contains("(VI_4) Entering MASTER STATE"), log("lb2"));
        assertTrue(log("lb2").contains("(VI_6) Entering MASTER STATE"), "the sync group moved the IPv6 VIP too");

        for (final TrafficResult traffic : lab.traffic(60))
        {
            assertEquals(60, traffic.answered(), "served by lb2: " + traffic.describe());
            assertTrue(traffic.answers().size() > 1, "balanced over the backends: " + traffic.describe());
        }
        // lb2's proxy listened on the proxy VIP before it owned it (IP_FREEBIND): new connections are taken at once.
        assertTrue(log("lb2").contains("(VI_P4) Entering MASTER STATE"), "the sync group moved the proxy VIP too");
        final TrafficResult proxiedByLb2 = proxied(60);
        assertEquals(60, proxiedByLb2.answered(), "lb2's proxy answers on the proxy VIP: " + proxiedByLb2.describe());
        assertTrue(proxiedByLb2.answers().size() > 1, "over the backends: " + proxiedByLb2.describe());
        assertEquals(virtualMacs, Map.of(LabTopology.VIP4, lab.routerNeighbour(LabTopology.VIP4),
            LabTopology.VIP6, lab.routerNeighbour(LabTopology.VIP6)),
            "the router still reaches the VIPs at the virtual MACs (its entries, not resolved again)");
        assertEquals("lb2", lab.switchPortOf("00:00:5e:00:01:33"), "the switch moved the virtual MAC to lb2's port");

        final int since = log("lb2").length();
        lab.revive("lb1");
        final Instant deadline = Instant.now().plusSeconds(10);
        // whichever instance hears lb1 first steps down for its priority, the other follows it as its sync group
        while (!(log("lb2").substring(since).contains("(VI_4) Entering BACKUP STATE (")
            && log("lb2").substring(since).contains("(VI_6) Entering BACKUP STATE (")
            && log("lb2").substring(since).contains("Entering BACKUP STATE (higher priority")))
        {
            assertTrue(Instant.now().isBefore(deadline), "lb1 did not preempt: " + log("lb2"));
            Thread.sleep(50);
        }
        for (final TrafficResult traffic : lab.traffic(60, List.of(LabTopology.VIP4, LabTopology.VIP6)))
        {
            assertEquals(60, traffic.answered(), "served by lb1 again: " + traffic.describe());
        }
        assertEquals(30, proxied(30).answered(), "and the proxy VIP by lb1's proxy again");
    }

    private TrafficResult proxied(final int requests)
    {
        return lab.traffic(requests, List.of(LabTopology.PROXY_VIP4)).getFirst();
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
