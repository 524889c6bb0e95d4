package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.sync.SyncCounters;

/**
 * Connection sync as a client sees it: long-lived TCP connections through the VIP, a backend added to both
 * balancers by reload (so Maglev alone would send some established flows elsewhere), then the master killed with
 * SIGKILL and its LAN port taken down (a box that died). With sync every connection goes on, on the backend it
 * started on; without, some break: the test tells the two apart.
 */
final class LabSyncFailoverTest
{
    private static final int CONNECTIONS = 40;

    @Test
    void withSyncEveryEstablishedConnectionSurvivesTheMastersDeath() throws Exception
    {
        final Outcome outcome = failover(true);
        System.out.println("with sync: " + outcome.describe());
        assertEquals(0, outcome.lost, outcome.describe());
        assertEquals(outcome.before, outcome.after, outcome.describe());
    }

    @Test
    void withoutSyncTheSameFailoverBreaksConnectionsWhoseBackendHashingMoved() throws Exception
    {
        final Outcome outcome = failover(false);
        System.out.println("without sync: " + outcome.describe());
        assertTrue(outcome.lost > 0, outcome.describe());
    }

    private record Outcome(List<String> before, List<String> after, long lost, long installed)
    {
        String describe()
        {
            return lost + " of " + before.size() + " connections lost; lb2 installed " + installed
                + " synced flows; before " + before + ", after " + after;
        }
    }

    private static Outcome failover(final boolean sync) throws Exception
    {
        LabRequirements.requireLabTools();
        final Lab lab = LabRequirements.testLab(DecapHook.XDP_IN_SERVER);
        try
        {
            lab.up();
            lab.sync(sync);
            lab.startBalancer("auto");
            lab.reloadBalancer(Set.of("be3")); // two backends while the connections open
            try (PersistentClients clients = PersistentClients.open(lab.topology().client().namespace(),
                InetAddress.getByName(LabTopology.VIP4), LabTopology.HTTP_PORT, CONNECTIONS))
            {
                final List<String> first = clients.ask();
                assertTrue(first.stream().noneMatch(a -> a.startsWith("FAILED")), first.toString());

                lab.reloadBalancer(Set.of()); // be3 is back on both: Maglev moves about a third of the flows to it
                awaitNewConnectionsReach(lab, "be3");
                final List<String> before = clients.ask();
                assertEquals(first, before, "established flows stay on their backends on the master");
                final long installed = installedOnLb2(lab);

                final long lb1 = lab.liveProcesses().get("lb1");
                ProcessHandle.of(lb1).ifPresent(ProcessHandle::destroyForcibly); // kill -9
                lab.kill("lb1", true); // and the box is gone from the LAN with the VIPs it held
                awaitLog(lab, "lb2", "(VI_4) Entering MASTER STATE");
                Thread.sleep(500); // the new master's gratuitous ARP reaches the router

                final List<String> after = clients.ask();
                long lost = 0;
                for (int i = 0; i < after.size(); i++)
                {
                    if (!after.get(i).equals(before.get(i)))
                    {
                        lost++;
                    }
                }
                return new Outcome(before, after, lost, installed);
            }
        }
        finally
        {
            lab.down();
        }
    }

    private static void awaitNewConnectionsReach(final Lab lab, final String backend) throws InterruptedException
    {
        final Instant deadline = Instant.now().plusSeconds(20);
        while (true)
        {
            final List<TrafficResult> traffic = lab.traffic(30, List.of(LabTopology.VIP4));
            if (traffic.getFirst().describe().contains(backend))
            {
                return;
            }
            assertTrue(Instant.now().isBefore(deadline), "new connections never reached " + backend + ": "
                + traffic.getFirst().describe());
            Thread.sleep(200);
        }
    }

    /** lb2's count of synced flows installed, read from its counters file as {@code fulcrum stat} does. */
    private static long installedOnLb2(final Lab lab) throws Exception
    {
        final Instant deadline = Instant.now().plusSeconds(5);
        long installed = 0;
        while (Instant.now().isBefore(deadline))
        {
            final CountersFile counters = CountersFile.openReadOnly(lab.balancerCounters("lb2"));
            installed = CounterTotals.read(counters.reader()).value(CounterType.SYNC, SyncCounters.RECORDS_INSTALLED);
            if (installed >= CONNECTIONS)
            {
                break;
            }
            Thread.sleep(100);
        }
        return installed;
    }

    private static void awaitLog(final Lab lab, final String node, final String line) throws Exception
    {
        final Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (!Files.readString(lab.logFile(lab.topology().node(node))).contains(line))
        {
            assertTrue(Instant.now().isBefore(deadline), node + " never logged " + line);
            Thread.sleep(50);
        }
    }
}
