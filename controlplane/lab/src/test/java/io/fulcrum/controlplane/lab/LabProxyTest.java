package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The lab's http proxy service as a user would check it: curl from the client to the proxy VIP through the router,
 * lb1 answering for the VIP and sending each request on to a backend's own address, the backend naming itself in the
 * answer; and, with one backend slowed down, least-response-time sending it far less than round-robin does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class LabProxyTest
{
    private static final int REQUESTS = 90;
    /** Slow next to the lab's sub-millisecond answers, short enough that the slow share costs little time. */
    private static final int SLOW_MILLIS = 50;

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
            assertEquals(List.of(), lab.existingNamespaces());
        }
    }

    @Test
    @Order(1)
    void aRequestToTheProxyVipIsAnsweredByTheBackendItWasSentTo()
    {
        final TrafficResult result = proxied(REQUESTS);
        assertEquals(REQUESTS, result.answered(), result.describe());
        assertEquals(Set.of("be1", "be2", "be3"), result.answers().keySet(),
            "round-robin over the pool, each answer naming its backend: " + result.describe());
    }

    @Test
    @Order(2)
    void leastResponseTimeSendsASlowedBackendFarFewerRequestsThanRoundRobin()
    {
        final TrafficResult roundRobin;
        final TrafficResult leastResponseTime;
        lab.delayBackend("be2", SLOW_MILLIS);
        try
        {
            lab.proxyScheduler("round-robin");
            roundRobin = proxied(REQUESTS);
            lab.proxyScheduler("least-response-time");
            leastResponseTime = proxied(REQUESTS);
        }
        finally
        {
            lab.delayBackend("be2", 0);
            lab.proxyScheduler(LabBalancerConfig.DEFAULT_PROXY_SCHEDULER);
        }
        assertEquals(REQUESTS, roundRobin.answered(), roundRobin.describe());
        assertEquals(REQUESTS, leastResponseTime.answered(), leastResponseTime.describe());
        final int slowUnderRoundRobin = roundRobin.answers().getOrDefault("be2", 0);
        final int slowUnderLeastResponseTime = leastResponseTime.answers().getOrDefault("be2", 0);
        // Round-robin does not look at latency: be2 keeps its third. Least-response-time avoids it from its first
        // slow answer on; a third of round-robin's share leaves a wide margin for the odd exploratory pick.
        assertTrue(slowUnderRoundRobin >= REQUESTS / 4, "round-robin: " + roundRobin.describe());
        assertTrue(slowUnderLeastResponseTime * 3 <= slowUnderRoundRobin, "the slow be2 served "
            + slowUnderLeastResponseTime + " under least-response-time (" + leastResponseTime.describe() + ") and "
            + slowUnderRoundRobin + " under round-robin (" + roundRobin.describe() + ")");
    }

    private TrafficResult proxied(final int requests)
    {
        return lab.traffic(requests, List.of(LabTopology.PROXY_VIP4)).getFirst();
    }
}
