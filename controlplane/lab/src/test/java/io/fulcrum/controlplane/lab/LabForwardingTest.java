package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fulcrum forwarding real traffic in the lab, as a user would check it: curl from the client to the VIPs through the
 * router, lb1 running {@code fulcrum run}, backends answering directly (DSR), once with each packet I/O.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class LabForwardingTest
{
    /** Enough connections that each backend's share is known to about 2 percentage points (one sigma). */
    private static final int CONNECTIONS = 600;
    /** Allowed distance from the weighted share (1/3): more than 3.5 sigma, so a correct balancer passes. */
    private static final double SHARE_TOLERANCE = 0.07;

    private Lab lab;

    @BeforeAll
    void up()
    {
        LabRequirements.requireLabTools();
        lab = LabRequirements.testLab(DecapHook.XDP_IN_SERVER);
        lab.up();
    }

    @AfterAll
    void down()
    {
        if (lab != null)
        {
            lab.down();
            assertEquals(List.of(), lab.existingNamespaces());
        }
    }

    @ParameterizedTest(name = "packet-io {0}")
    @ValueSource(strings = {"af_xdp", "af_packet"})
    void clientsReachTheVipsSpreadOverTheBackendsAndEstablishedFlowsStayPut(final String packetIo) throws Exception
    {
        lab.startBalancer(packetIo);
        try
        {
            newConnectionsToBothVipsAllSucceedAndSpreadByWeight();
            longLivedConnectionsKeepTheirBackendWhileOthersLeaveAndReturn();
            theApplianceOwnAddressStillAnswersPingAndArp();
        }
        finally
        {
            lab.stopBalancer();
        }
        assertTrue(Files.readString(lab.logFile(lab.topology().primaryBalancer()))
            .contains("1 worker(s) on " + packetIo), "the balancer ran on " + packetIo);
    }

    private void newConnectionsToBothVipsAllSucceedAndSpreadByWeight()
    {
        for (final TrafficResult result : lab.traffic(CONNECTIONS))
        {
            assertEquals(CONNECTIONS, result.answered(), result.describe());
            assertEquals(Set.of("be1", "be2", "be3"), result.answers().keySet(), result.describe());
            for (final Map.Entry<String, Integer> backend : result.answers().entrySet())
            {
                final double share = backend.getValue() / (double)CONNECTIONS;
                assertTrue(Math.abs(share - 1.0 / 3) <= SHARE_TOLERANCE,
                    backend.getKey() + " served " + share + " of " + result.describe());
            }
        }
    }

    /**
     * Thirty connections each ask several times: a connection is answered by one backend from start to end; taking
     * be3 out of the pool and putting it back moves only the connections that were on be3.
     */
    private void longLivedConnectionsKeepTheirBackendWhileOthersLeaveAndReturn() throws Exception
    {
        try (PersistentClients clients = PersistentClients.open(lab.topology().client().namespace(),
            InetAddress.getByName(LabTopology.VIP4), LabTopology.HTTP_PORT, 30))
        {
            final List<String> first = clients.ask();
            assertEquals(first, clients.ask(), "each connection answered by one backend");
            assertTrue(first.stream().noneMatch(answer -> answer.startsWith("FAILED")), first.toString());

            lab.reloadBalancer(Set.of("be3"));
            final List<String> without = clients.ask();
            lab.reloadBalancer(Set.of());
            final List<String> restored = clients.ask();
            for (int i = 0; i < first.size(); i++)
            {
                if (first.get(i).equals("be3"))
                {
                    assertNotEquals("be3", without.get(i), "a connection on a removed backend cannot stay on it");
                }
                else
                {
                    assertEquals(first.get(i), without.get(i), "connection " + i + " moved when be3 left");
                    assertEquals(first.get(i), restored.get(i), "connection " + i + " moved when be3 returned");
                }
            }
        }
        // After be3 returned, new connections reach it again.
        assertTrue(lab.traffic(60, List.of(LabTopology.VIP4)).getFirst().answers().containsKey("be3"));
    }

    /** Traffic that is not for a VIP (ping and ARP to lb1's own address) is the host's, while the data plane runs. */
    private void theApplianceOwnAddressStillAnswersPingAndArp()
    {
        final LabNode lb1 = lab.topology().primaryBalancer();
        final String router = lab.topology().router().namespace();
        Commands.checkIn(router, "ip", "neigh", "flush", "dev", lab.topology().router().lanInterface());
        final CommandResult ping = Commands.runIn(router, java.time.Duration.ofSeconds(10),
            "ping", "-c", "3", "-i", "0.2", "-W", "2", lb1.lan4());
        assertTrue(ping.succeeded(), "ping to lb1's own address: " + ping.stdout() + ping.stderr());
        final CommandResult ping6 = Commands.runIn(router, java.time.Duration.ofSeconds(10),
            "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", lb1.lan6());
        assertTrue(ping6.succeeded(), "ping to lb1's own IPv6 address: " + ping6.stdout() + ping6.stderr());
        final String neighbours = Commands.checkIn(router, "ip", "neigh", "show", lb1.lan4());
        assertTrue(neighbours.contains(lab.macOf(lb1)), "ARP for lb1 answered with its MAC: " + neighbours);
    }
}
