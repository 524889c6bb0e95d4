package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code fulcrum run} killed with SIGKILL and started again, as a client sees it: established TCP connections go on
 * with the backend they started on, also those that consistent hashing alone would now send elsewhere because a
 * backend was added by a reload since they began. Only lb1 runs (lb2 is stopped first), so that VRRP cannot move
 * the VIPs away during the restart and the test sees the restart alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class LabRestartTest
{
    private static final int CONNECTIONS = 30;

    private Lab lab;

    @BeforeAll
    void up()
    {
        LabRequirements.requireLabTools();
        lab = LabRequirements.testLab(DecapHook.XDP_IN_SERVER);
        lab.up();
        lab.startBalancer("auto", Set.of("be1")); // be1 joins later: first sight gives be2 and be3 the low ids
        lab.crashBalancer("lb2");
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
    @Order(1)
    void establishedConnectionsKeepTheirBackendsAcrossAKillAndRestart() throws Exception
    {
        try (PersistentClients clients = open())
        {
            final List<String> before = clients.ask();
            assertTrue(before.stream().noneMatch(answer -> answer.startsWith("FAILED") || answer.equals("be1")),
                before.toString());
            lab.reloadBalancer(Set.of()); // be1 joins: about a third of these flows now hash to it
            assertEquals(before, clients.ask(), "a reload keeps established flows on their backends");

            final CompletableFuture<UdpProbe.Result> probe = probe(Duration.ofSeconds(10));
            Thread.sleep(500);
            lab.crashBalancer("lb1");
            final long restart = System.nanoTime();
            lab.restartBalancer("lb1");
            final long startMillis = (System.nanoTime() - restart) / 1_000_000;
            final UdpProbe.Result gap = probe.get();
            System.out.println("forwarding gap of a kill -9 and restart of fulcrum run: " + gap.describe() +
                " (the new process logged 'forwarding' and VRRP master " + startMillis + " ms after it was started)");
            assertTrue(log().contains("flow(s) restored from " + lab.connectionTable("lb1") + ".0"), log());
            assertTrue(log().contains("backend id(s) restored from"), log());

            assertEquals(before, clients.ask(), "every connection continues on its backend after the restart");
            assertTrue(gap.answered() > gap.sent() / 2, gap.describe());
        }
    }

    @Test
    @Order(2)
    void withoutTheTableTheFlowsThatHashingMovedBreak() throws Exception
    {
        lab.reloadBalancer(Set.of("be1"));
        try (PersistentClients clients = open())
        {
            final List<String> before = clients.ask();
            lab.reloadBalancer(Set.of());
            assertEquals(before, clients.ask(), "a reload keeps established flows on their backends");

            lab.crashBalancer("lb1");
            deleteTables();
            lab.restartBalancer("lb1");

            final List<String> after = clients.ask();
            final List<String> broken = new ArrayList<>();
            for (int i = 0; i < after.size(); i++)
            {
                if (!after.get(i).equals(before.get(i)))
                {
                    broken.add(before.get(i) + " -> " + after.get(i));
                }
            }
            assertNotEquals(List.of(), broken, "without the table, flows that hash to be1 now lose their backend");
            assertTrue(broken.size() < after.size(), "flows that still hash to their backend survive: " + broken);
            System.out.println("without the connection table: " + broken.size() + " of " + after.size() +
                " connections broken by the restart, e.g. " + broken.getFirst());
        }
    }

    @Test
    @Order(3)
    void aCleanStopLeavesTheTableValidForTheNextStart() throws Exception
    {
        try (PersistentClients clients = open())
        {
            final List<String> before = clients.ask();
            final long uncleanBefore = count(log(), "did not stop");
            lab.stopBalancer(); // SIGTERM: the daemon closes its tables and gives its VIPs up
            lab.restartBalancer("lb1");
            assertEquals(before, clients.ask(), "connections continue after a graceful restart too");
            assertEquals(uncleanBefore, count(log(), "did not stop"), "a SIGTERM leaves the table marked closed");
            assertTrue(log().lines().anyMatch(line -> line.contains("flow(s) restored from")), log());
        }
    }

    private static long count(final String text, final String phrase)
    {
        return text.lines().filter(line -> line.contains(phrase)).count();
    }

    private PersistentClients open() throws Exception
    {
        return PersistentClients.open(lab.topology().client().namespace(), InetAddress.getByName(LabTopology.VIP4),
            LabTopology.HTTP_PORT, CONNECTIONS);
    }

    private CompletableFuture<UdpProbe.Result> probe(final Duration duration)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return UdpProbe.run(lab.topology().client().namespace(), InetAddress.getByName(LabTopology.VIP4),
                    LabBackendServer.ECHO_PORT, duration);
            }
            catch (final Exception e)
            {
                throw new IllegalStateException(e);
            }
        });
    }

    private void deleteTables() throws IOException
    {
        final Path base = lab.connectionTable("lb1");
        try (var files = Files.list(base.getParent()))
        {
            for (final Path file : files.filter(f -> f.getFileName().toString().matches("lb1\\.connections\\.\\d+"))
                .toList())
            {
                Files.delete(file);
            }
        }
    }

    private String log()
    {
        try
        {
            return Files.readString(lab.logFile(lab.topology().node("lb1")));
        }
        catch (final IOException e)
        {
            return "";
        }
    }
}
