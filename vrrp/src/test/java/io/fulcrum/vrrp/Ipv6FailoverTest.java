package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

/**
 * VRRPv3 for IPv6 (RFC 9568 section 5.1.2): adverts to ff02::12 from the link-local address, hop limit 255, the
 * link-local virtual address first; between two Fulcrum agents, then with keepalived 2.2.7.
 */
class Ipv6FailoverTest
{
    private static final long MARGIN_MS = 500;
    private static final String LINK_LOCAL_VIP = "fe80::100";
    private static final String GLOBAL_VIP = "2001:db8:99::100";

    private final Map<String, Long> masterAt = new ConcurrentHashMap<>();
    private final VrrpListener listener = (instance, from, to, priority, reason) ->
    {
        if (to == VrrpState.MASTER)
        {
            masterAt.put(instance, System.nanoTime());
        }
    };

    private static VrrpSettings instance(final String name, final int k, final int priority) throws Exception
    {
        // the global address is listed first on purpose: adverts must still lead with the link-local one
        return VrrpSettings.builder(name, "eth0", 52)
            .priority(priority)
            .advertInterval(Duration.ofMillis(100))
            .virtualAddresses(GLOBAL_VIP + "/64", LINK_LOCAL_VIP + "/64")
            .sourceAddress(InetAddress.getByName("fe80::" + k))
            .garp(2, Duration.ZERO, Duration.ZERO)
            .build();
    }

    @Test
    void ipv6AdvertsElectTheHigherPriorityAndTheStandbyTakesOverWhenTheMasterDies() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            final VrrpAgent high = VrrpAgent.start(List.of(instance("A", 1, 200)), listener, a);
            try (VrrpAgent low = VrrpAgent.start(List.of(instance("B", 2, 100)), listener, b))
            {
                assertTrue(VrrpLab.await(() -> high.state("A") == VrrpState.MASTER
                    && low.state("B") == VrrpState.BACKUP && low.counters("B").advertsReceived() >= 5, 5_000) >= 0,
                    "A " + high.state("A") + ", B " + low.state("B") + " " + low.counters("B"));
                assertEquals(0, low.counters("B").rejected(AdvertReject.CHECKSUM));
                assertEquals(0, low.counters("B").rejected(AdvertReject.TTL));
                assertTrue(lab.hasAddress(a, GLOBAL_VIP));
                assertFalse(lab.hasAddress(b, GLOBAL_VIP));

                masterAt.clear();
                final long killedAt = System.nanoTime();
                high.abort();
                lab.exec(a, "ip", "link", "set", "eth0", "down");
                final long bound = 361 + MARGIN_MS;
                assertTrue(VrrpLab.await(() -> masterAt.containsKey("B"), bound) >= 0);
                System.out.println("IPv6 kill: B master after " + (masterAt.get("B") - killedAt) / 1_000_000 + " ms");
                assertTrue(lab.hasAddress(b, GLOBAL_VIP));
                assertTrue(lab.hasAddress(b, LINK_LOCAL_VIP));
            }
            finally
            {
                high.close();
            }
        }
    }

    @Test
    void ipv6UnicastPeersElectAndFailOverToo() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            final VrrpSettings settingsA = VrrpSettings.builder("A", "eth0", 52).priority(200)
                .advertInterval(Duration.ofMillis(100)).virtualAddresses(LINK_LOCAL_VIP + "/64", GLOBAL_VIP + "/64")
                .sourceAddress(InetAddress.getByName("fe80::1")).unicastPeer(InetAddress.getByName("fe80::2"))
                .build();
            final VrrpSettings settingsB = VrrpSettings.builder("B", "eth0", 52).priority(100)
                .advertInterval(Duration.ofMillis(100)).virtualAddresses(LINK_LOCAL_VIP + "/64", GLOBAL_VIP + "/64")
                .sourceAddress(InetAddress.getByName("fe80::2")).unicastPeer(InetAddress.getByName("fe80::1"))
                .build();
            final VrrpAgent high = VrrpAgent.start(List.of(settingsA), listener, a);
            try (VrrpAgent low = VrrpAgent.start(List.of(settingsB), listener, b))
            {
                assertTrue(VrrpLab.await(() -> high.state("A") == VrrpState.MASTER
                    && low.state("B") == VrrpState.BACKUP && low.counters("B").advertsReceived() >= 5, 5_000) >= 0,
                    "A " + high.state("A") + ", B " + low.state("B") + " " + low.counters("B"));
                high.abort();
                lab.exec(a, "ip", "link", "set", "eth0", "down");
                assertTrue(VrrpLab.await(() -> low.state("B") == VrrpState.MASTER, 361 + MARGIN_MS) >= 0);
                assertTrue(lab.hasAddress(b, GLOBAL_VIP));
            }
            finally
            {
                high.close();
            }
        }
    }

    @Test
    void keepalivedFollowsAFulcrumIpv6MasterAndTakesOverWhenItStops() throws Exception
    {
        SystemRequirements.requireCommand("keepalived");
        final List<VrrpLab.Line> log = VrrpLab.lines();
        try (VrrpLab lab = new VrrpLab())
        {
            final String f = lab.appliance(1);
            final String k = lab.appliance(2);
            final String config = """
                global_defs {
                    router_id fulcrum_test6
                    vrrp_version 3
                }
                vrrp_instance VI_6 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 52
                    priority 100
                    advert_int 0.1
                    virtual_ipaddress {
                        %s/64
                        %s/64
                    }
                }
                """.formatted(LINK_LOCAL_VIP, GLOBAL_VIP);
            try
            {
                final VrrpAgent agent = VrrpAgent.start(List.of(instance("F", 1, 200)), listener, f);
                try
                {
                    assertTrue(VrrpLab.await(() -> agent.state("F") == VrrpState.MASTER, 5_000) >= 0);
                    lab.start(k, log, "keepalived", "-n", "-l", "-D", "-P", "-f",
                        lab.tempFile("keepalived6.conf", config).toString(), "-p",
                        lab.tempPath("keepalived.pid").toString(), "-r", lab.tempPath("vrrp.pid").toString());
                    assertTrue(VrrpLab.await(() -> log.stream().anyMatch(l -> l.text().contains("Entering BACKUP")),
                        5_000) >= 0);
                    Thread.sleep(2_000);
                    assertTrue(log.stream().noneMatch(l -> l.text().contains("Entering MASTER")),
                        "keepalived follows Fulcrum over IPv6");
                    final long stoppedAt = System.nanoTime();
                    agent.close();
                    assertTrue(VrrpLab.await(() -> log.stream().anyMatch(l -> l.text().contains("Entering MASTER")),
                        61 + MARGIN_MS) >= 0, "keepalived took over after Skew_Time");
                    System.out.println("IPv6 graceful: keepalived master after "
                        + (System.nanoTime() - stoppedAt) / 1_000_000 + " ms (at most)");
                    // and the other way: Fulcrum follows keepalived's IPv6 adverts, checksums accepted
                    try (VrrpAgent follower = VrrpAgent.start(List.of(instance("G", 1, 50)), listener, f))
                    {
                        assertTrue(VrrpLab.await(() -> follower.counters("G").advertsReceived() >= 10, 5_000) >= 0,
                            "Fulcrum hears keepalived over IPv6: " + follower.counters("G"));
                        assertEquals(VrrpState.BACKUP, follower.state("G"));
                        assertEquals(0, follower.counters("G").rejected(AdvertReject.CHECKSUM));
                        assertEquals(0, follower.counters("G").becameMaster());
                    }
                    for (final VrrpLab.Line line : log)
                    {
                        final String text = line.text().toLowerCase(java.util.Locale.ROOT);
                        assertFalse(text.contains("checksum") || text.contains("ttl") || text.contains("invalid"),
                            "keepalived complained: " + line.text());
                    }
                }
                finally
                {
                    agent.close();
                }
            }
            finally
            {
                log.forEach(line -> System.out.println("keepalived6| " + line.text()));
            }
        }
    }

    /**
     * RFC 9568 section 7.3: with the virtual MAC an IPv6 instance speaks from 00-00-5E-00-02-{VRID} (VRID 52: :34) on
     * its macvlan: a neighbour resolves the VIP to it, and after a failover the new master's unsolicited neighbour
     * advertisements (Override set) carry it too, so a neighbour whose entry was wrong is corrected to the virtual MAC.
     */
    @Test
    void withTheVirtualMacAnIpv6NeighbourSeesTheVipAtTheIpv6VirtualRouterMac() throws Exception
    {
        SystemRequirements.requireCommand("ping");
        final String virtualMac = "00:00:5e:00:02:34";
        try (VrrpLab lab = new VrrpLab())
        {
            final String a = lab.appliance(1);
            final String b = lab.appliance(2);
            final String client = lab.appliance(3);
            lab.exec(client, "ip", "-6", "address", "add", "2001:db8:99::3/64", "dev", "eth0", "nodad");
            lab.bridgeAgeing(Duration.ofSeconds(2));
            final VrrpAgent high = VrrpAgent.start(List.of(withVirtualMac("A", 1, 200)), listener, a);
            try (VrrpAgent low = VrrpAgent.start(List.of(withVirtualMac("B", 2, 100)), listener, b))
            {
                assertTrue(VrrpLab.await(() -> high.state("A") == VrrpState.MASTER
                    && low.state("B") == VrrpState.BACKUP, 5_000) >= 0, "A " + high.state("A") + ", B " + low.state("B"));
                final String link = lab.exec(a, "ip", "-o", "link", "show", "dev", "vrrp6.52");
                assertTrue(link.contains(virtualMac), "the macvlan has the IPv6 virtual router MAC: " + link);
                final String addresses = lab.exec(a, "ip", "-o", "-6", "address", "show", "dev", "vrrp6.52");
                assertTrue(addresses.contains(" " + GLOBAL_VIP + "/"), "the VIP is on the macvlan: " + addresses);
                assertFalse(lab.hasAddress(a, GLOBAL_VIP), "and not on the parent");
                // neighbour discovery for the VIP (ping sends the solicitation; accept mode off may drop the echo)
                lab.exec(client, "sh", "-c", "ping -6 -c 1 -W 1 " + GLOBAL_VIP + " >/dev/null 2>&1 || true");
                assertTrue(VrrpLab.await(() -> neighbour(lab, client).contains(virtualMac), 3_000) >= 0,
                    "the client resolved the VIP to the virtual MAC: " + neighbour(lab, client));

                // a wrong entry that only an unsolicited NA of the new master can correct
                lab.exec(client, "ip", "-6", "neigh", "replace", GLOBAL_VIP, "lladdr", "02:00:00:00:00:99", "dev",
                    "eth0", "nud", "stale");
                high.abort();
                lab.exec(a, "ip", "link", "set", "eth0", "down");
                assertTrue(VrrpLab.await(() -> low.state("B") == VrrpState.MASTER, 361 + MARGIN_MS) >= 0);
                assertTrue(lab.exec(b, "ip", "-o", "-6", "address", "show", "dev", "vrrp6.52")
                    .contains(" " + GLOBAL_VIP + "/"), "the new master holds the VIP on its macvlan");
                assertTrue(VrrpLab.await(() -> neighbour(lab, client).contains(virtualMac), 3_000) >= 0,
                    "the new master's unsolicited NA moved the client's entry to the virtual MAC: "
                        + neighbour(lab, client));
                assertTrue(low.counters("B").announcementsSent() >= 1);
                // adverts leave from the virtual MAC (and the parent's link-local address): the bridge keeps it on
                // B's port although it forgets in 2 s
                Thread.sleep(3_000);
                assertEquals("p2", lab.portOf(virtualMac), "the bridge learned the virtual MAC on B's port");
                assertEquals(VrrpState.MASTER, low.state("B"));
            }
            finally
            {
                high.close();
            }
            assertFalse(lab.exec(b, "ip", "-o", "link", "show").contains("vrrp6.52"), "the macvlan is removed");
        }
    }

    private static VrrpSettings withVirtualMac(final String name, final int k, final int priority) throws Exception
    {
        return VrrpSettings.builder(name, "eth0", 52)
            .priority(priority)
            .advertInterval(Duration.ofMillis(100))
            .virtualAddresses(GLOBAL_VIP + "/64")
            .sourceAddress(InetAddress.getByName("fe80::" + k))
            .garp(2, Duration.ZERO, Duration.ZERO)
            .useVirtualMac(true)
            .build();
    }

    private static String neighbour(final VrrpLab lab, final String ns)
    {
        return lab.exec(ns, "ip", "-6", "neigh", "show", GLOBAL_VIP, "dev", "eth0");
    }
}
