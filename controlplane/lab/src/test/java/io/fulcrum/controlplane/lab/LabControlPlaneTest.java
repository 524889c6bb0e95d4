package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The appliance's control plane as an operator meets it in the lab: health checks take a dead backend out and bring
 * it back, drain keeps established connections, reloads under traffic lose nothing, a bad reload changes nothing, and
 * it all shows in {@code fulcrum ctl} and /metrics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class LabControlPlaneTest
{
    /** The lab's checks: 3 failures 500 ms apart; the margin covers a check in flight and a loaded machine. */
    private static final Duration DETECTION_BOUND = Duration.ofMillis(3 * 500 + 2000);

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

    private String ctl(final String... arguments)
    {
        final CommandResult result = lab.ctl(arguments);
        assertEquals(0, result.exitCode(), "fulcrum ctl " + String.join(" ", arguments) + ": " + result.stderr());
        return result.stdout();
    }

    private static String row(final String table, final String address)
    {
        return table.lines().filter(line -> line.contains(" " + address + " ")).findFirst().orElse("");
    }

    @Test
    @Order(1)
    void aStoppedBackendLeavesWithinFallTimesIntervalAndRejoinsWhenRestarted() throws Exception
    {
        lab.kill("be2", false);
        final Instant killed = Instant.now();
        while (!row(ctl("backends"), "10.200.0.12").contains(" down "))
        {
            assertTrue(Duration.between(killed, Instant.now()).compareTo(DETECTION_BOUND) < 0,
                "be2 not marked down within " + DETECTION_BOUND.toMillis() + " ms");
            Thread.sleep(100);
        }
        final TrafficResult during = lab.traffic(60, List.of(LabTopology.VIP4)).getFirst();
        assertEquals(60, during.answered(), during.describe());
        assertEquals(Set.of("be1", "be3"), during.answers().keySet(), during.describe());
        final String metrics = lab.ctl("--json", "status").stdout(); // the daemon still answers while a backend is out
        assertTrue(metrics.contains("\"version\""), metrics);

        lab.revive("be2");
        final Instant revived = Instant.now();
        while (!row(ctl("backends"), "10.200.0.12").contains(" up "))
        {
            assertTrue(Duration.between(revived, Instant.now()).compareTo(DETECTION_BOUND) < 0, "be2 did not rejoin");
            Thread.sleep(100);
        }
        assertTrue(lab.traffic(90, List.of(LabTopology.VIP4)).getFirst().answers().containsKey("be2"));
    }

    @Test
    @Order(2)
    void aDrainedBackendKeepsItsEstablishedConnectionButGetsNoNewOnes() throws Exception
    {
        try (PersistentClients clients = PersistentClients.open(lab.topology().client().namespace(),
            InetAddress.getByName(LabTopology.VIP4), LabTopology.HTTP_PORT, 12))
        {
            final List<String> before = clients.ask();
            final String drained = before.getFirst();
            final String address = lab.topology().node(drained).lan4();
            ctl("drain", "web4", address);
            assertTrue(row(ctl("backends"), address).contains(" draining "), ctl("backends"));

            assertEquals(before, clients.ask(), "established connections stay where they are, the drained one too");
            final TrafficResult fresh = lab.traffic(60, List.of(LabTopology.VIP4)).getFirst();
            assertEquals(60, fresh.answered(), fresh.describe());
            assertFalse(fresh.answers().containsKey(drained), drained + " got new connections: " + fresh.describe());
            ctl("enable", "web4", address);
        }
    }

    @Test
    @Order(3)
    void reloadsUnderTrafficLoseNothingAndABadReloadChangesNothing() throws Exception
    {
        final CompletableFuture<List<TrafficResult>> traffic = CompletableFuture.supplyAsync(() -> lab.traffic(400));
        for (int i = 0; i < 5 && !traffic.isDone(); i++)
        {
            assertTrue(ctl("reload").contains("reloaded"), "reload " + i);
        }
        for (final TrafficResult result : traffic.get())
        {
            assertEquals(result.requests(), result.answered(), "across reloads: " + result.describe());
        }

        final Path config = lab.writeBalancerConfig("auto", Set.of());
        final String good = Files.readString(config, StandardCharsets.UTF_8);
        Files.writeString(config, good.replace("port: 80,", "port: 80000,"), StandardCharsets.UTF_8);
        try
        {
            final CommandResult refused = lab.ctl("reload");
            assertEquals(1, refused.exitCode(), refused.stdout());
            assertTrue(refused.stderr().contains("lb1.yaml:") && refused.stderr().contains("services[0].port"),
                refused.stderr());
            final TrafficResult after = lab.traffic(30, List.of(LabTopology.VIP4)).getFirst();
            assertEquals(30, after.answered(), "the running configuration stays in force: " + after.describe());
        }
        finally
        {
            Files.writeString(config, good, StandardCharsets.UTF_8);
        }
    }

    @Test
    @Order(4)
    void metricsNeedTheTokenAndShowServicesBackendsAndHealth()
    {
        final String ns = lab.topology().primaryBalancer().namespace();
        final CommandResult anonymous = Commands.runIn(ns, Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null",
            "-w", "%{http_code}", "http://127.0.0.1:" + LabBalancerConfig.API_PORT + "/metrics");
        assertEquals("401", anonymous.stdout().strip());
        final String token;
        try
        {
            token = Files.readString(lab.apiToken()).strip();
        }
        catch (final java.io.IOException e)
        {
            throw new AssertionError(e);
        }
        final CommandResult metrics = Commands.runIn(ns, Duration.ofSeconds(10), "curl", "-s", "-H",
            "Authorization: Bearer " + token, "http://127.0.0.1:" + LabBalancerConfig.API_PORT + "/metrics");
        final String text = metrics.stdout();
        assertTrue(text.contains("fulcrum_service_packets_total{"), text);
        assertTrue(text.lines().anyMatch(line -> line.startsWith("fulcrum_backend_health{")
            && line.contains("backend=\"10.200.0.12\"") && line.contains("state=\"up\"") && line.endsWith(" 1")
            || line.startsWith("fulcrum_backend_health{") && line.contains("backend=\"10.200.0.12\"")
            && line.contains("state=\"up\"") && line.endsWith(" 1.0")), text);
    }
}
