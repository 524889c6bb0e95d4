package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import io.fulcrum.dataplane.sys.Commands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One lab, brought up once (it takes a few seconds), checked the way a user would check it; the test that kills a
 * backend runs last. The lab is removed after the class, also when a test fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class LabTest
{
    private static Lab lab;

    @BeforeAll
    static void bringTheLabUp()
    {
        LabRequirements.requireLabTools();
        lab = LabRequirements.testLab(DecapHook.XDP_IN_SERVER);
        lab.up();
    }

    @AfterAll
    static void takeTheLabDown()
    {
        if (lab != null)
        {
            lab.down();
            assertEquals(List.of(), lab.existingNamespaces());
        }
    }

    @Test
    @Order(1)
    void upCreatesEveryNamespaceAndAServerOnEveryBackend()
    {
        final List<String> expected = lab.topology().nodes().stream().map(LabNode::namespace).sorted().toList();
        assertEquals(expected, lab.existingNamespaces().stream().sorted().toList());
        assertEquals(List.of("be1", "be2", "be3"), lab.liveProcesses().keySet().stream().sorted().toList());
    }

    @Test
    @Order(2)
    void theClientReachesEachBackendThroughTheRouterAndGetsItsName()
    {
        for (final LabNode backend : lab.topology().backends())
        {
            for (final String address : List.of(backend.lan4(), backend.lan6()))
            {
                final Curl.Answer answer = Curl.get(lab.topology().client().namespace(), Curl.url(address));
                assertTrue(answer.ok(), address + ": " + answer.text());
                assertEquals(backend.name(), answer.text(), address);
            }
        }
    }

    @Test
    @Order(3)
    void theRouterFindsBothVipsOnLb1AndOnNoBackend()
    {
        final String lb1 = lab.macOf(lab.topology().primaryBalancer());
        final Map<String, String> owners = lab.vipOwnersSeenByRouter();
        assertEquals(Map.of(LabTopology.VIP4, lb1, LabTopology.VIP6, lb1), owners);
    }

    @Test
    @Order(4)
    void statusNamesEveryNamespaceTheVipsAndEachLiveServer()
    {
        final String status = lab.status();
        for (final LabNode node : lab.topology().nodes())
        {
            assertTrue(status.contains("namespace " + node.namespace() + "\n"), node.namespace() + " in\n" + status);
        }
        assertTrue(status.contains(LabTopology.VIP4 + "/32"), status);
        assertTrue(status.contains(LabTopology.VIP6 + "/128"), status);
        assertFalse(status.contains("MISSING"), status);
        assertFalse(status.contains("NOT running"), status);
    }

    @Test
    @Order(5)
    void theBalancerConfigNamesEachBackendByTheMacInItsNamespace()
    {
        final String config = lab.balancerConfig();
        for (final LabNode backend : lab.topology().backends())
        {
            assertTrue(config.contains("{ address: " + backend.lan4() + ", mac: \"" + lab.macOf(backend) + "\" }"),
                config);
        }
    }

    @Test
    @Order(6)
    void trafficCountsEachAnswerByTheBackendThatGaveIt()
    {
        final LabNode be1 = lab.topology().node("be1");
        final List<TrafficResult> results = lab.traffic(3, List.of(be1.lan4(), be1.lan6()));

        assertEquals(2, results.size());
        for (final TrafficResult result : results)
        {
            assertEquals(Map.of("be1", 3), result.answers(), result.describe());
            assertEquals(Map.of(), result.failures(), result.describe());
        }
    }

    @Test
    @Order(7)
    void killStopsOneBackendsServerAndLeavesTheOthersAnswering()
    {
        final long be2 = lab.liveProcesses().get("be2");
        lab.kill("be2", false);

        assertFalse(ProcessHandle.of(be2).map(ProcessHandle::isAlive).orElse(false));
        assertEquals(List.of("be1", "be3"), lab.liveProcesses().keySet().stream().sorted().toList());
        final String client = lab.topology().client().namespace();
        assertFalse(Curl.get(client, Curl.url(lab.topology().node("be2").lan4())).ok());
        assertEquals("be1", Curl.get(client, Curl.url(lab.topology().node("be1").lan4())).text());
    }

    @Test
    @Order(8)
    void killWithLinkTakesABackendsLanPortDown()
    {
        final LabNode be3 = lab.topology().node("be3");
        lab.kill("be3", true);

        final String link = Commands.checkIn(be3.namespace(), "ip", "-o", "link", "show", be3.lanInterface());
        assertTrue(link.contains("state DOWN"), link);
        assertFalse(Curl.get(lab.topology().client().namespace(), Curl.url(be3.lan4())).ok());
        assertTrue(lab.liveProcesses().containsKey("be3"), "the server itself still runs");
    }
}
