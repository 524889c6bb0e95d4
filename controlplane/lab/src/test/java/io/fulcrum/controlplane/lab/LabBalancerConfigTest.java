package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.fulcrum.controlplane.config.BackendConfig;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.controlplane.config.MacAddresses;
import io.fulcrum.controlplane.config.PacketIo;
import io.fulcrum.controlplane.config.ServiceConfig;

/** The lab's config is loaded by the real loader: what lb1 runs is what an operator's file would be. */
final class LabBalancerConfigTest
{
    private static final Map<String, String> MACS =
        Map.of("be1", "02:f1:00:00:00:11", "be2", "02:f1:00:00:00:12", "be3", "02:f1:00:00:00:13");
    private static final Path COUNTERS = Path.of("/run/fulcrum-lab/fl/lb1.counters");

    private static FulcrumConfig load(final String packetIo, final Set<String> left) throws Exception
    {
        return ConfigLoader.parse(Path.of("lb1.yaml"),
            LabBalancerConfig.render(new LabTopology("fl"), MACS, packetIo, COUNTERS, left));
    }

    @Test
    void lb1BalancesBothVipsOnPort80OverIpipOnItsLanPort() throws Exception
    {
        final FulcrumConfig config = load("af_packet", Set.of());
        assertEquals(List.of("eth0"), config.dataplane().interfaces());
        assertEquals(PacketIo.AF_PACKET, config.dataplane().packetIo());
        assertEquals(COUNTERS, config.dataplane().countersFile());
        assertEquals(List.of("web4 10.200.0.100:80/TCP dsr", "web6 fd00:200::100:80/TCP dsr",
                "echo4 10.200.0.100:7/UDP dsr", "proxy4 10.200.0.101:80/TCP http"),
            config.services().stream().map(s -> s.name() + " " + IpLiterals.format(s.vip()) + ":" + s.port() + "/"
                + s.protocol() + " " + s.mode().yamlName()).toList());
        for (final ServiceConfig service : config.services().subList(0, 3))
        {
            assertEquals("IPIP", service.forwarding().name());
        }
        // A VRRP pair: all VIPs in one sync group, lb1 the higher priority; the proxy VIP's instance accepts its
        // traffic (the master terminates those connections itself).
        assertEquals(List.of("VI_4 51 150 [10.200.0.100/32] false", "VI_6 52 150 [fd00:200::100/128] false",
                "VI_P4 53 150 [10.200.0.101/32] true"),
            config.vrrp().stream().map(v -> v.name() + " " + v.vrid() + " " + v.priority() + " "
                + v.virtualAddresses() + " " + v.accept()).toList());
        assertTrue(config.vrrp().stream().allMatch(v -> v.syncGroup().orElse("").equals("vips")));
    }

    @Test
    void eachPoolNamesTheBackendsByAddressAndMacExceptThoseTakenOut() throws Exception
    {
        final FulcrumConfig all = load("auto", Set.of());
        assertEquals(List.of("10.200.0.11", "10.200.0.12", "10.200.0.13"), addresses(all, "web4"));
        assertEquals(List.of("fd00:200::11", "fd00:200::12", "fd00:200::13"), addresses(all, "web6"));
        assertEquals(List.of("02:f1:00:00:00:11", "02:f1:00:00:00:12", "02:f1:00:00:00:13"),
            all.pool("web6").orElseThrow().backends().stream().map(b -> MacAddresses.format(b.mac())).toList());

        final FulcrumConfig withoutBe3 = load("auto", Set.of("be3"));
        assertEquals(List.of("10.200.0.11", "10.200.0.12"), addresses(withoutBe3, "web4"));
        assertEquals(List.of("fd00:200::11", "fd00:200::12"), addresses(withoutBe3, "web6"));
        assertEquals(List.of("10.200.0.11", "10.200.0.12"), addresses(withoutBe3, "proxy4"));
    }

    @Test
    void theProxyServiceReachesTheBackendsOnTheirOwnAddressesUnderTheSchedulerItIsGiven() throws Exception
    {
        final LabTopology topology = new LabTopology("fl");
        assertEquals("round-robin", load("auto", Set.of()).services().getLast().scheduler().yamlName());
        final FulcrumConfig config = ConfigLoader.parse(Path.of("lb1.yaml"), LabBalancerConfig.render(topology,
            topology.primaryBalancer(), LabBalancerConfig.PRIMARY_PRIORITY, MACS, "auto", COUNTERS, Set.of(), null,
            "100ms", null, null, "least-response-time"));
        final ServiceConfig proxy = config.services().getLast();
        assertEquals("least-response-time", proxy.scheduler().yamlName());
        assertEquals(List.of("10.200.0.11", "10.200.0.12", "10.200.0.13"), addresses(config, proxy.pool()));
        assertTrue(config.pool(proxy.pool()).orElseThrow().backends().stream()
            .allMatch(b -> b.mac() == MacAddresses.UNRESOLVED), "no MAC: the proxy connects, it does not tunnel");
    }

    private static List<String> addresses(final FulcrumConfig config, final String pool)
    {
        return config.pool(pool).orElseThrow().backends().stream().map(BackendConfig::address).map(IpLiterals::format).toList();
    }

    @Test
    void thePairSyncsOverItsOwnLinkEachPointingAtTheOther() throws Exception
    {
        final LabTopology topology = new LabTopology("fl");
        final Path key = Path.of("/run/fulcrum-lab/fl/sync.key");
        final io.fulcrum.controlplane.config.FulcrumConfig lb1 = ConfigLoader.parse(Path.of("lb1.yaml"),
            LabBalancerConfig.render(topology, topology.primaryBalancer(), LabBalancerConfig.PRIMARY_PRIORITY, MACS,
                "auto", COUNTERS, java.util.Set.of(), null, "100ms", key));
        final io.fulcrum.controlplane.config.FulcrumConfig lb2 = ConfigLoader.parse(Path.of("lb2.yaml"),
            LabBalancerConfig.render(topology, topology.node("lb2"), LabBalancerConfig.STANDBY_PRIORITY, MACS,
                "auto", COUNTERS, java.util.Set.of(), null, "100ms", key));
        assertEquals(lb1.sync().orElseThrow().local(), lb2.sync().orElseThrow().peer());
        assertEquals(lb2.sync().orElseThrow().local(), lb1.sync().orElseThrow().peer());
        assertEquals(LabTopology.SYNC_LB1, lb1.sync().orElseThrow().local().getAddress().getHostAddress());
        assertEquals(java.util.Optional.of(key), lb1.sync().orElseThrow().keyFile());
        assertEquals(java.util.Optional.empty(), ConfigLoader.parse(Path.of("off.yaml"),
            LabBalancerConfig.render(topology, topology.primaryBalancer(), LabBalancerConfig.PRIMARY_PRIORITY, MACS,
                "auto", COUNTERS, java.util.Set.of(), null, "100ms", null)).sync(), "sync off");
    }

    @Test
    void aBackendWithoutAMacIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> LabBalancerConfig.render(new LabTopology("fl"),
            Map.of("be1", "02:f1:00:00:00:11"), "auto", COUNTERS, Set.of()));
    }
}
