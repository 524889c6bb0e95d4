package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

/**
 * Fulcrum and keepalived 2.2.7 (a reference nobody here wrote) as the two routers of one virtual router, IPv4,
 * 100 ms adverts: both agree on one master through a kill, a graceful stop and a return, and keepalived never
 * complains about Fulcrum's adverts (checksum, TTL, addresses).
 */
class KeepalivedInteropTest
{
    private static final long MARGIN_MS = 500;
    private static final long SETTLE_MS = 5_000;

    private final Map<String, Long> masterAt = new ConcurrentHashMap<>();
    private final VrrpListener listener = (instance, from, to, priority, reason) ->
    {
        if (to == VrrpState.MASTER)
        {
            masterAt.put(instance, System.nanoTime());
        }
    };

    private static long masterDownMs(final int priority)
    {
        return 300 + ((256 - priority) * 100 + 255) / 256;
    }

    private static long skewMs(final int priority)
    {
        return ((256 - priority) * 100 + 255) / 256;
    }

    private static String keepalivedConfig(final VrrpLab lab, final int priority)
    {
        return """
            global_defs {
                router_id fulcrum_test
                vrrp_version 3
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority %d
                advert_int 0.1
                virtual_ipaddress {
                    %s/24
                }
            }
            """.formatted(priority, lab.vip(1));
    }

    private static Process keepalived(final VrrpLab lab, final String ns, final int priority,
        final List<VrrpLab.Line> log) throws Exception
    {
        final Path config = lab.tempFile("keepalived.conf", keepalivedConfig(lab, priority));
        final Path pid = lab.tempPath("keepalived.pid");
        final Path vrrpPid = lab.tempPath("vrrp.pid");
        return lab.start(ns, log, "keepalived", "-n", "-l", "-D", "-P", "-f", config.toString(), "-p",
            pid.toString(), "-r", vrrpPid.toString());
    }

    private static VrrpSettings fulcrum(final VrrpLab lab, final int k, final int priority) throws Exception
    {
        return VrrpSettings.builder("F", "eth0", 51)
            .priority(priority)
            .advertInterval(Duration.ofMillis(100))
            .virtualAddresses(lab.vip(1) + "/24")
            .sourceAddress(InetAddress.getByName(lab.ipv4(k)))
            .garp(2, Duration.ZERO, Duration.ZERO)
            .build();
    }

    /** Waits for the {@code n}th log line containing {@code text}; returns its arrival time or -1. */
    private static long awaitLine(final List<VrrpLab.Line> log, final String text, final int n, final long millis)
    {
        final long[] at = {-1};
        VrrpLab.await(() ->
        {
            int seen = 0;
            for (final VrrpLab.Line line : log)
            {
                if (line.text().contains(text) && ++seen == n)
                {
                    at[0] = line.nanos();
                    return true;
                }
            }
            return false;
        }, millis);
        return at[0];
    }

    private static long count(final List<VrrpLab.Line> log, final String text)
    {
        return log.stream().filter(line -> line.text().contains(text)).count();
    }

    /** keepalived's complaints about a received advert (vrrp.c: checksum, TTL, count, addresses, version). */
    private static void assertNoComplaint(final List<VrrpLab.Line> log)
    {
        for (final VrrpLab.Line line : log)
        {
            final String text = line.text().toLowerCase(Locale.ROOT);
            assertFalse(text.contains("checksum") || text.contains("ttl") || text.contains("invalid")
                || text.contains("not present") || text.contains("bogus") || text.contains("mismatch"),
                "keepalived complained: " + line.text());
        }
    }

    private static void printLog(final List<VrrpLab.Line> log)
    {
        log.forEach(line -> System.out.println("keepalived| " + line.text()));
    }

    @Test
    void keepalivedMasterAndFulcrumBackupAgreeThroughAKillAndAReturn() throws Exception
    {
        SystemRequirements.requireCommand("keepalived");
        final List<VrrpLab.Line> log = VrrpLab.lines();
        try (VrrpLab lab = new VrrpLab())
        {
            final String k = lab.appliance(1);
            final String f = lab.appliance(2);
            try
            {
                final Process first = keepalived(lab, k, 200, log);
                assertTrue(awaitLine(log, "Entering MASTER STATE", 1, SETTLE_MS) > 0, "keepalived became master");
                try (VrrpAgent agent = VrrpAgent.start(List.of(fulcrum(lab, 2, 100)), listener, f))
                {
                    assertTrue(VrrpLab.await(() -> agent.counters("F").advertsReceived() >= 20, SETTLE_MS) >= 0,
                        "Fulcrum hears keepalived: " + agent.counters("F"));
                    assertEquals(VrrpState.BACKUP, agent.state("F"));
                    assertEquals(0, agent.counters("F").becameMaster());
                    assertEquals(0, agent.counters("F").rejected(AdvertReject.CHECKSUM));
                    assertEquals(0, agent.counters("F").rejected(AdvertReject.TTL));
                    assertTrue(lab.hasAddress(k, lab.vip(1)));
                    assertFalse(lab.hasAddress(f, lab.vip(1)));

                    // a dead box: SIGKILL leaves the VIP (FACTS), so take it away as the dead box's would go
                    final long killedAt = System.nanoTime();
                    VrrpLab.kill(first);
                    lab.exec(k, "ip", "address", "del", lab.vip(1) + "/24", "dev", "eth0");
                    final long bound = masterDownMs(100) + MARGIN_MS;
                    assertTrue(VrrpLab.await(() -> masterAt.containsKey("F"), bound) >= 0,
                        "Fulcrum took over within " + bound + " ms");
                    System.out.println("keepalived killed: Fulcrum master after "
                        + (masterAt.get("F") - killedAt) / 1_000_000 + " ms (Master_Down_Interval "
                        + masterDownMs(100) + " ms)");
                    assertTrue(lab.hasAddress(f, lab.vip(1)));

                    // keepalived returns with the higher priority: it must accept Fulcrum's adverts, then preempt
                    keepalived(lab, k, 200, log);
                    assertTrue(awaitLine(log, "Entering BACKUP STATE", 2, SETTLE_MS) > 0);
                    assertTrue(awaitLine(log, "Entering MASTER STATE", 2, SETTLE_MS) > 0, "keepalived preempted");
                    assertTrue(VrrpLab.await(() -> agent.state("F") == VrrpState.BACKUP, 1_000) >= 0);
                    assertTrue(VrrpLab.await(() -> !lab.hasAddress(f, lab.vip(1)), 1_000) >= 0);
                    assertTrue(count(log, "received lower priority (100) advert from " + lab.ipv4(2)) > 0,
                        "keepalived parsed Fulcrum's adverts");
                    assertNoComplaint(log);
                }
            }
            finally
            {
                printLog(log);
            }
        }
    }

    @Test
    void fulcrumMasterAndKeepalivedBackupAgreeThroughAGracefulStopAReturnAndAKill() throws Exception
    {
        SystemRequirements.requireCommand("keepalived");
        final List<VrrpLab.Line> log = VrrpLab.lines();
        try (VrrpLab lab = new VrrpLab())
        {
            final String f = lab.appliance(1);
            final String k = lab.appliance(2);
            try
            {
                VrrpAgent agent = VrrpAgent.start(List.of(fulcrum(lab, 1, 200)), listener, f);
                try
                {
                    final VrrpAgent first = agent;
                    assertTrue(VrrpLab.await(() -> first.state("F") == VrrpState.MASTER, SETTLE_MS) >= 0);
                    keepalived(lab, k, 100, log);
                    assertTrue(awaitLine(log, "Entering BACKUP STATE", 1, SETTLE_MS) > 0);
                    // keepalived would be master 361 ms after startup if it dropped Fulcrum's adverts
                    Thread.sleep(2_000);
                    assertEquals(0, count(log, "Entering MASTER STATE"), "keepalived follows Fulcrum");
                    assertEquals(VrrpState.MASTER, first.state("F"));
                    assertNoComplaint(log);

                    final long stoppedAt = System.nanoTime();
                    first.close();
                    final long graceful = awaitLine(log, "Entering MASTER STATE", 1, skewMs(100) + MARGIN_MS);
                    assertTrue(graceful > 0, "keepalived took over within Skew_Time + " + MARGIN_MS + " ms");
                    System.out.println("Fulcrum stopped gracefully: keepalived master after "
                        + (graceful - stoppedAt) / 1_000_000 + " ms (Skew_Time " + skewMs(100) + " ms)");
                    assertTrue(VrrpLab.await(() -> lab.hasAddress(k, lab.vip(1)), 1_000) >= 0);

                    masterAt.clear();
                    final long returnedAt = System.nanoTime();
                    agent = VrrpAgent.start(List.of(fulcrum(lab, 1, 200)), listener, f);
                    final VrrpAgent second = agent;
                    assertTrue(awaitLine(log, "Entering BACKUP STATE", 2, masterDownMs(200) + MARGIN_MS + 1_000) > 0,
                        "keepalived yields to the returning higher priority");
                    assertTrue(VrrpLab.await(() -> second.state("F") == VrrpState.MASTER, 1_000) >= 0);
                    // the listener runs on the agent thread just after the state changes: wait for its record too
                    assertTrue(VrrpLab.await(() -> masterAt.containsKey("F"), 1_000) >= 0);
                    assertTrue(count(log, "Master received advert from " + lab.ipv4(1) + " with higher priority 200")
                        > 0, "keepalived parsed Fulcrum's adverts");
                    System.out.println("Fulcrum returned: master after "
                        + (masterAt.get("F") - returnedAt) / 1_000_000 + " ms");
                    assertTrue(VrrpLab.await(() -> !lab.hasAddress(k, lab.vip(1)), 1_000) >= 0);

                    final long killedAt = System.nanoTime();
                    second.abort();
                    lab.exec(f, "ip", "address", "del", lab.vip(1) + "/24", "dev", "eth0");
                    final long taken = awaitLine(log, "Entering MASTER STATE", 2, masterDownMs(100) + MARGIN_MS);
                    assertTrue(taken > 0, "keepalived took over within Master_Down_Interval + " + MARGIN_MS + " ms");
                    System.out.println("Fulcrum killed: keepalived master after " + (taken - killedAt) / 1_000_000
                        + " ms (Master_Down_Interval " + masterDownMs(100) + " ms)");
                    assertNoComplaint(log);
                }
                finally
                {
                    agent.close();
                }
            }
            finally
            {
                printLog(log);
            }
        }
    }

    @Test
    void inUnicastModeKeepalivedAndFulcrumAgreeOnOneMasterBothWays() throws Exception
    {
        SystemRequirements.requireCommand("keepalived");
        final List<VrrpLab.Line> log = VrrpLab.lines();
        try (VrrpLab lab = new VrrpLab())
        {
            final String k = lab.appliance(1);
            final String f = lab.appliance(2);
            final String config = """
                global_defs {
                    router_id fulcrum_unicast
                    vrrp_version 3
                }
                vrrp_instance VI_1 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 51
                    priority 200
                    advert_int 0.1
                    unicast_src_ip %s
                    unicast_peer {
                        %s
                    }
                    virtual_ipaddress {
                        %s/24
                    }
                }
                """.formatted(lab.ipv4(1), lab.ipv4(2), lab.vip(1));
            final VrrpSettings fulcrum = VrrpSettings.builder("F", "eth0", 51).priority(100)
                .advertInterval(Duration.ofMillis(100)).virtualAddresses(lab.vip(1) + "/24")
                .sourceAddress(InetAddress.getByName(lab.ipv4(2)))
                .unicastPeer(InetAddress.getByName(lab.ipv4(1))).build();
            try
            {
                final Process process = lab.start(k, log, "keepalived", "-n", "-l", "-D", "-P", "-f",
                    lab.tempFile("unicast.conf", config).toString(), "-p", lab.tempPath("k.pid").toString(), "-r",
                    lab.tempPath("v.pid").toString());
                assertTrue(awaitLine(log, "Entering MASTER STATE", 1, SETTLE_MS) > 0);
                try (VrrpAgent agent = VrrpAgent.start(List.of(fulcrum), listener, f))
                {
                    assertTrue(VrrpLab.await(() -> agent.counters("F").advertsReceived() >= 10, SETTLE_MS) >= 0,
                        "Fulcrum accepts keepalived's unicast adverts (TTL 255 included): " + agent.counters("F"));
                    assertEquals(VrrpState.BACKUP, agent.state("F"));
                    VrrpLab.terminate(process);
                    assertTrue(VrrpLab.await(() -> agent.state("F") == VrrpState.MASTER, skewMs(100) + MARGIN_MS
                        + 1_500) >= 0, "Fulcrum takes over when keepalived stops");
                    // keepalived returns and must accept Fulcrum's unicast adverts before it preempts
                    lab.start(k, log, "keepalived", "-n", "-l", "-D", "-P", "-f",
                        lab.tempFile("unicast2.conf", config).toString(), "-p", lab.tempPath("k2.pid").toString(),
                        "-r", lab.tempPath("v2.pid").toString());
                    assertTrue(awaitLine(log, "Entering MASTER STATE", 2, SETTLE_MS) > 0);
                    assertTrue(count(log, "received lower priority (100) advert from " + lab.ipv4(2)) > 0,
                        "keepalived parsed Fulcrum's unicast adverts");
                    assertTrue(VrrpLab.await(() -> agent.state("F") == VrrpState.BACKUP, 1_000) >= 0);
                    assertNoComplaint(log);
                }
            }
            finally
            {
                printLog(log);
            }
        }
    }
}
