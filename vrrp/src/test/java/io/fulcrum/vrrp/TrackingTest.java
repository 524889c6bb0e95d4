package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The operator surface around the state machine: link tracking, the tracking API a pool-health check drives, the
 * notify program, and the announcements that move neighbours' caches to the new master.
 */
class TrackingTest
{
    private static final long WAIT_MS = 3_000;

    private static VrrpSettings.Builder instance(final VrrpLab lab, final String name, final int k,
        final int priority) throws Exception
    {
        return VrrpSettings.builder(name, "eth0", 51)
            .priority(priority)
            .advertInterval(Duration.ofMillis(100))
            .virtualAddresses(lab.vip(1) + "/24")
            .sourceAddress(InetAddress.getByName(lab.ipv4(k)))
            .garp(3, Duration.ofMillis(300), Duration.ZERO);
    }

    private static boolean settled(final VrrpAgent master, final String m, final VrrpAgent backup, final String b)
    {
        return VrrpLab.await(() -> master.state(m) == VrrpState.MASTER && backup.state(b) == VrrpState.BACKUP,
            WAIT_MS) >= 0;
    }

    @Test
    void aMasterWhoseLinkGoesDownEntersFaultAndPreemptsAgainWhenItComesBack() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            try (VrrpAgent high = VrrpAgent.start(List.of(instance(lab, "A", 1, 200).build()), null, a);
                 VrrpAgent low = VrrpAgent.start(List.of(instance(lab, "B", 2, 100).build()), null, b))
            {
                assertTrue(settled(high, "A", low, "B"));
                lab.exec(a, "ip", "link", "set", "eth0", "down");
                assertTrue(VrrpLab.await(() -> high.state("A") == VrrpState.FAULT
                    && low.state("B") == VrrpState.MASTER, WAIT_MS) >= 0,
                    "A " + high.state("A") + ", B " + low.state("B"));
                lab.exec(a, "ip", "link", "set", "eth0", "up");
                assertTrue(settled(high, "A", low, "B"), "A " + high.state("A") + ", B " + low.state("B"));
            }
        }
    }

    @Test
    void aFaultReportedByTheCallerHandsOverAndALoweredPriorityIsPreempted() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            try (VrrpAgent high = VrrpAgent.start(List.of(instance(lab, "A", 1, 200).build()), null, a);
                 VrrpAgent low = VrrpAgent.start(List.of(instance(lab, "B", 2, 100).build()), null, b))
            {
                assertTrue(settled(high, "A", low, "B"));
                high.fault("A", "no healthy backend in the pool");
                assertTrue(VrrpLab.await(() -> high.state("A") == VrrpState.FAULT
                    && low.state("B") == VrrpState.MASTER, WAIT_MS) >= 0);
                high.clearFault("A");
                assertTrue(settled(high, "A", low, "B"));

                high.setPriority("A", 50);
                assertTrue(settled(low, "B", high, "A"), "B preempts the lowered A");
            }
        }
    }

    @Test
    void aFailingLivenessCheckHoldsTheInstanceInFaultUntilItPassesAgain() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            final java.util.concurrent.atomic.AtomicBoolean workersAlive =
                new java.util.concurrent.atomic.AtomicBoolean(true);
            try (VrrpAgent high = VrrpAgent.start(List.of(instance(lab, "A", 1, 200).build()), null, a);
                 VrrpAgent low = VrrpAgent.start(List.of(instance(lab, "B", 2, 100).build()), null, b))
            {
                high.track("A", "data-plane heartbeat", workersAlive::get);
                assertTrue(settled(high, "A", low, "B"));
                workersAlive.set(false);
                assertTrue(VrrpLab.await(() -> high.state("A") == VrrpState.FAULT
                    && low.state("B") == VrrpState.MASTER, WAIT_MS) >= 0);
                workersAlive.set(true);
                assertTrue(settled(high, "A", low, "B"));
            }
        }
    }

    @Test
    void instancesOfASyncGroupFailTogether() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            final VrrpSettings a61 = VrrpSettings.builder("A61", "eth0", 61).priority(200)
                .advertInterval(Duration.ofMillis(100)).virtualAddresses(lab.vip(2) + "/24")
                .sourceAddress(InetAddress.getByName(lab.ipv4(1))).syncGroup("G").build();
            final VrrpSettings b61 = VrrpSettings.builder("B61", "eth0", 61).priority(100)
                .advertInterval(Duration.ofMillis(100)).virtualAddresses(lab.vip(2) + "/24")
                .sourceAddress(InetAddress.getByName(lab.ipv4(2))).syncGroup("G").build();
            try (VrrpAgent high = VrrpAgent.start(
                     List.of(instance(lab, "A51", 1, 200).syncGroup("G").build(), a61), null, a);
                 VrrpAgent low = VrrpAgent.start(
                     List.of(instance(lab, "B51", 2, 100).syncGroup("G").build(), b61), null, b))
            {
                assertTrue(settled(high, "A51", low, "B51") && settled(high, "A61", low, "B61"));
                high.fault("A51", "its pool is empty");
                assertTrue(VrrpLab.await(() -> high.state("A61") == VrrpState.FAULT
                    && low.state("B51") == VrrpState.MASTER && low.state("B61") == VrrpState.MASTER, WAIT_MS) >= 0,
                    "A61 " + high.state("A61") + ", B51 " + low.state("B51") + ", B61 " + low.state("B61"));
                assertTrue(lab.hasAddress(b, lab.vip(1)) && lab.hasAddress(b, lab.vip(2)));
                high.clearFault("A51");
                assertTrue(settled(high, "A51", low, "B51") && settled(high, "A61", low, "B61"));
            }
        }
    }

    @Test
    void theNotifyProgramIsRunWithInstanceStateAndPriorityOnEveryChange() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final Path out = lab.tempPath("notified");
            final Path script = lab.tempFile("notify.sh", "#!/bin/sh\necho \"$1 $2 $3\" >> " + out + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            try (VrrpAgent agent = VrrpAgent.start(
                List.of(instance(lab, "VI_1", 1, 150).notifyProgram(script.toString()).build()), null, a))
            {
                assertTrue(VrrpLab.await(() -> agent.state("VI_1") == VrrpState.MASTER, WAIT_MS) >= 0);
            }
            assertTrue(VrrpLab.await(() -> Files.exists(out) && lines(out).size() >= 3, WAIT_MS) >= 0);
            assertEquals(List.of("VI_1 BACKUP 150", "VI_1 MASTER 150", "VI_1 INIT 150"), lines(out));
        }
    }

    @Test
    void gratuitousArpMovesANeighboursEntryForTheVirtualAddressToTheNewMaster() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            final String client = lab.appliance(3);
            // Linux ignores ARP updates to an entry younger than locktime (1 s); the client has just learnt it
            lab.exec(client, "sysctl", "-qw", "net.ipv4.neigh.eth0.locktime=0");
            final String macA = mac(lab, a);
            final String macB = mac(lab, b);
            try (VrrpAgent high = VrrpAgent.start(List.of(instance(lab, "A", 1, 200).build()), null, a);
                 VrrpAgent low = VrrpAgent.start(List.of(instance(lab, "B", 2, 100).build()), null, b))
            {
                assertTrue(settled(high, "A", low, "B"));
                lab.exec(client, "ip", "neigh", "replace", lab.vip(1), "lladdr", macA, "dev", "eth0", "nud", "stale");
                high.close();
                assertTrue(VrrpLab.await(() -> neighbour(lab, client, lab.vip(1)).contains(macB), WAIT_MS) >= 0,
                    "the client's entry moved to B's MAC " + macB + ": " + neighbour(lab, client, lab.vip(1)));
                assertTrue(low.counters("B").announcementsSent() >= 3);
            }
        }
    }

    @Test
    void theVirtualMacIsAMacvlanWhereTheKernelHasOneAndAClearRefusalWhereItHasNot() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final VrrpSettings settings = instance(lab, "VI_1", 1, 150).useVirtualMac(true).build();
            boolean kernelHasMacvlan;
            try
            {
                lab.exec(a, "ip", "link", "add", "link", "eth0", "name", "probe0", "type", "macvlan");
                lab.exec(a, "ip", "link", "del", "probe0");
                kernelHasMacvlan = true;
            }
            catch (final IllegalStateException e)
            {
                kernelHasMacvlan = false;
            }
            if (!kernelHasMacvlan)
            {
                final IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalStateException.class, () -> VrrpAgent.start(List.of(settings), null, a));
                System.out.println("virtual MAC refused: " + refused.getMessage());
                assertTrue(refused.getMessage().contains("VI_1: useVirtualMac: the kernel refused a macvlan on eth0"),
                    refused.getMessage());
                assertTrue(refused.getMessage().contains("Turn useVirtualMac off"), refused.getMessage());
                return;
            }
            SystemRequirements.requireCommand("ping");
            final String client = lab.appliance(3);
            // a namespace default that would give the macvlan a link-local address; Fulcrum must not let it
            lab.exec(a, "sysctl", "-qw", "net.ipv6.conf.default.addr_gen_mode=0");
            try (VrrpAgent agent = VrrpAgent.start(List.of(settings), null, a))
            {
                assertTrue(VrrpLab.await(() -> agent.state("VI_1") == VrrpState.MASTER, WAIT_MS) >= 0);
                final String address = lab.exec(a, "ip", "-o", "address", "show", "dev", "vrrp.51");
                assertTrue(address.contains(" " + lab.vip(1) + "/"), "the VIP is on the macvlan: " + address);
                assertTrue(!lab.hasAddress(a, lab.vip(1)), "and not on the parent");
                assertTrue(lab.exec(a, "ip", "-o", "link", "show", "dev", "vrrp.51").contains("00:00:5e:00:01:33"),
                    "the macvlan has the virtual router MAC for VRID 51");
                assertTrue(!lab.exec(a, "ip", "-o", "-6", "address", "show", "dev", "vrrp.51").contains("fe80"),
                    "the macvlan has no link-local address to speak from");
                // a neighbour resolves the VIP to the virtual MAC (ping sends the ARP request; no reply needed)
                lab.exec(client, "sh", "-c", "ping -c 1 -W 1 " + lab.vip(1) + " >/dev/null 2>&1 || true");
                assertTrue(VrrpLab.await(() -> neighbour(lab, client, lab.vip(1)).contains("00:00:5e:00:01:33"),
                    WAIT_MS) >= 0, "the client learnt the virtual MAC: " + neighbour(lab, client, lab.vip(1)));
            }
            assertTrue(!lab.exec(a, "ip", "-o", "link", "show").contains("vrrp.51"), "the macvlan is removed");
        }
    }

    @Test
    void withTheVirtualMacANeighbourKeepsOneMacAcrossAFailover() throws Exception
    {
        SystemRequirements.requireCommand("ping");
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            final String client = lab.appliance(3);
            // accept mode on: the test pings the VIP, which a non-owner master drops with accept mode off
            try (VrrpAgent high = VrrpAgent.start(List.of(instance(lab, "A", 1, 200).useVirtualMac(true)
                     .acceptMode(true).build()), null, a);
                 VrrpAgent low = VrrpAgent.start(List.of(instance(lab, "B", 2, 100).useVirtualMac(true)
                     .acceptMode(true).build()), null, b))
            {
                // adverts come from the virtual MAC (RFC 9568 section 7.3), so the switch keeps it on the master's
                // port long after the takeover's announcements: with the bridge forgetting after 2 s, 3 s later
                lab.bridgeAgeing(Duration.ofSeconds(2));
                assertTrue(settled(high, "A", low, "B"));
                Thread.sleep(3_000);
                assertEquals("p1", lab.portOf("00:00:5e:00:01:33"),
                    "the bridge still knows the virtual MAC on A's port");
                lab.exec(client, "ping", "-c", "1", "-W", "2", lab.vip(1));
                assertTrue(lab.exec(a, "sysctl", "-n", "net.ipv4.conf.eth0.arp_ignore").strip().equals("1"));
                assertTrue(VrrpLab.await(() -> neighbour(lab, client, lab.vip(1)).contains("00:00:5e:00:01:33"),
                    WAIT_MS) >= 0, "the client resolved the virtual MAC: " + lab.exec(client, "ip", "neigh"));
                high.abort();
                lab.exec(a, "ip", "link", "set", "eth0", "down");
                assertTrue(VrrpLab.await(() -> low.state("B") == VrrpState.MASTER, WAIT_MS) >= 0);
                assertTrue(VrrpLab.await(() ->
                {
                    try
                    {
                        lab.exec(client, "ping", "-c", "1", "-W", "1", lab.vip(1));
                        return true;
                    }
                    catch (final IllegalStateException e)
                    {
                        return false;
                    }
                }, WAIT_MS) >= 0, "the new master answers on the virtual address");
                assertTrue(neighbour(lab, client, lab.vip(1)).contains("00:00:5e:00:01:33"),
                    "the client's entry never changed: " + neighbour(lab, client, lab.vip(1)));
                Thread.sleep(3_000);
                assertEquals("p2", lab.portOf("00:00:5e:00:01:33"), "the bridge learned the virtual MAC on B's port");

                // A returns and preempts: each hears the other's adverts although both come from the virtual MAC
                // that the hearer's own macvlan has (a private-mode macvlan would swallow them: two masters)
                lab.exec(a, "ip", "link", "set", "eth0", "up");
                try (VrrpAgent back = VrrpAgent.start(List.of(instance(lab, "A", 1, 200).useVirtualMac(true)
                    .acceptMode(true).build()), null, a))
                {
                    assertAPreemptsAndTheBridgeFollows(lab, back, low);
                }
            }
        }
    }

    /**
     * Unicast peers (a network that filters multicast) with the virtual MAC: the standby takes over when the master's
     * link goes down and the master preempts on return, with one master after. Unicast adverts leave from the parent
     * (the macvlan's ARP for the peer would carry the VIP, which a peer holding it drops), so announcements refreshed
     * while master (here every second, against the bridge's 2 s ageing; a minute by default) keep the switch's entry.
     */
    @Test
    void unicastPeersWithTheVirtualMacFailOverAndPreemptWithOneMaster() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            lab.bridgeAgeing(Duration.ofSeconds(2));
            final VrrpSettings.Builder highSettings = instance(lab, "A", 1, 200).useVirtualMac(true)
                .unicastPeer(InetAddress.getByName(lab.ipv4(2))).garp(1, Duration.ZERO, Duration.ofSeconds(1));
            final VrrpAgent high = VrrpAgent.start(List.of(highSettings.build()), null, a);
            try (VrrpAgent low = VrrpAgent.start(List.of(instance(lab, "B", 2, 100).useVirtualMac(true)
                .unicastPeer(InetAddress.getByName(lab.ipv4(1))).garp(1, Duration.ZERO, Duration.ofSeconds(1))
                .build()), null, b))
            {
                assertTrue(settled(high, "A", low, "B"));
                Thread.sleep(3_000);
                assertEquals(VrrpState.BACKUP, low.state("B"), "B hears A's unicast adverts");
                assertEquals("p1", lab.portOf("00:00:5e:00:01:33"), "and the bridge keeps the virtual MAC on A's port");

                high.abort();
                lab.exec(a, "ip", "link", "set", "eth0", "down");
                assertTrue(VrrpLab.await(() -> low.state("B") == VrrpState.MASTER, WAIT_MS) >= 0);
                lab.exec(a, "ip", "link", "set", "eth0", "up");
                try (VrrpAgent back = VrrpAgent.start(List.of(highSettings.build()), null, a))
                {
                    assertAPreemptsAndTheBridgeFollows(lab, back, low);
                }
            }
            finally
            {
                high.close();
            }
        }
    }

    /**
     * A (back with priority 200) is master and B backup, and they stay so past the bridge's 2 s ageing with the
     * virtual MAC on A's port (p1): exactly one master after a preemption.
     */
    private static void assertAPreemptsAndTheBridgeFollows(final VrrpLab lab, final VrrpAgent back, final VrrpAgent low)
        throws InterruptedException
    {
        assertTrue(VrrpLab.await(() -> back.state("A") == VrrpState.MASTER
            && low.state("B") == VrrpState.BACKUP, WAIT_MS) >= 0,
            "A preempted: A " + back.state("A") + ", B " + low.state("B"));
        Thread.sleep(3_000);
        assertEquals(VrrpState.BACKUP, low.state("B"), "and B stays backup");
        assertEquals("p1", lab.portOf("00:00:5e:00:01:33"), "the bridge has the virtual MAC on A's port again");
    }

    private static String mac(final VrrpLab lab, final String ns)
    {
        final String link = lab.exec(ns, "ip", "-o", "link", "show", "dev", "eth0");
        final int at = link.indexOf("link/ether ");
        return link.substring(at + 11, at + 28);
    }

    private static String neighbour(final VrrpLab lab, final String ns, final String address)
    {
        return lab.exec(ns, "ip", "neigh", "show", address, "dev", "eth0");
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            return Files.readAllLines(file);
        }
        catch (final java.io.IOException e)
        {
            return List.of();
        }
    }
}
