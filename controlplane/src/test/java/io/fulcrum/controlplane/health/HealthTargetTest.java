package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.controlplane.config.HealthCheckType;
import io.fulcrum.controlplane.config.HealthCheckVia;
import io.fulcrum.controlplane.config.StatusRange;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.forward.EncapsulationSettings;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HealthTargetTest
{
    @Test
    void everyCheckedBackendOfEveryPoolIsATargetAndUncheckedOnesAreNot() throws ConfigException
    {
        final var config = ConfigLoader.parse(Path.of("targets.yaml"), """
            services:
              - { name: web, vip: 192.0.2.10, port: 80, pool: web }
              - { name: dns, vip: 192.0.2.53, port: 53, protocol: udp, pool: dns }
            pools:
              - name: web
                health-check: { type: tcp, port: 80 }
                backends: [{ address: 10.0.0.1 }, { address: 10.0.0.2, health-check: { port: 8080 } }]
              - name: dns
                backends: [{ address: 10.0.0.1 }]
            """);

        final List<HealthTarget> targets = HealthTarget.of(config);

        final Optional<Tunnel> web = Optional.of(new Tunnel(InetAddress.ofLiteral("192.0.2.10"), Encapsulation.IPIP,
            EncapsulationSettings.defaults()));
        assertEquals(List.of(
                new HealthTarget("web", InetAddress.ofLiteral("10.0.0.1"), HealthCheckConfig.tcp(80), web),
                new HealthTarget("web", InetAddress.ofLiteral("10.0.0.2"), HealthCheckConfig.tcp(8080), web)),
            targets);
    }

    @Test
    void anEncapsulatedCheckGoesToTheFirstVipOfTheBackendsFamilyAsThatServicesClientsDo() throws ConfigException
    {
        final var config = ConfigLoader.parse(Path.of("targets.yaml"), """
            dataplane:
              encapsulation: { ipv4-source: 172.31.0.0/24, gue-port: 6080 }
            services:
              - { name: web6, vip: "2001:db8::10", port: 80, forwarding: gue, pool: web }
              - { name: web4, vip: 192.0.2.10, port: 80, forwarding: gue, pool: web }
              - { name: web4-again, vip: 192.0.2.11, port: 443, pool: web }
            pools:
              - name: web
                health-check: { type: tcp, port: 80 }
                backends: [{ address: 10.0.0.1 }, { address: "fd00::1" }, { address: 10.0.0.2,
                  health-check: { via: direct } }]
              - name: spare
                health-check: { type: tcp, port: 80 }
                backends: [{ address: 10.0.0.3 }]
            """);

        final List<HealthTarget> targets = HealthTarget.of(config);

        final Tunnel four = targets.get(0).tunnel().orElseThrow();
        assertEquals(InetAddress.ofLiteral("192.0.2.10"), four.vip());
        assertEquals(Encapsulation.GUE, four.encapsulation());
        assertEquals(6080, four.outer().gueDestinationPort());
        assertEquals(24, four.outer().ipv4SourcePrefixLength());
        assertEquals(InetAddress.ofLiteral("2001:db8::10"), targets.get(1).tunnel().orElseThrow().vip());
        assertEquals(Optional.empty(), targets.get(2).tunnel(), "via: direct");
        assertEquals(Optional.empty(), targets.get(3).tunnel(), "no service forwards to the pool: no VIP to check");
    }

    @Test
    void aPoolOnlyProxiedServicesUseIsCheckedDirectForTheProxyReachesTheBackendsOwnAddress() throws ConfigException
    {
        final var config = ConfigLoader.parse(Path.of("targets.yaml"), """
            services:
              - { name: site, vip: 192.0.2.20, port: 80, mode: http, pool: site }
              - { name: both-http, vip: 192.0.2.21, port: 80, mode: http, pool: both }
              - { name: both-dsr, vip: 192.0.2.22, port: 80, pool: both }
            pools:
              - { name: site, health-check: { type: http, port: 80 }, backends: [{ address: 10.0.0.1 }] }
              - { name: both, health-check: { type: http, port: 80 }, backends: [{ address: 10.0.0.2 }] }
            """);

        final List<HealthTarget> targets = HealthTarget.of(config);

        assertEquals(Optional.empty(), targets.get(0).tunnel(), "no dsr service forwards to site");
        assertEquals(InetAddress.ofLiteral("192.0.2.22"), targets.get(1).tunnel().orElseThrow().vip(),
            "the dsr service's VIP, not the proxied one's");
    }

    @Test
    void theHostHeaderIsTheAddressWithThePortUnlessItIsTheSchemesDefault()
    {
        assertEquals("10.0.0.1", Probes.hostHeader(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), 80),
            http(HealthCheckType.HTTP, Optional.empty())));
        assertEquals("10.0.0.1:443", Probes.hostHeader(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), 443),
            http(HealthCheckType.HTTP, Optional.empty())));
        assertEquals("[2001:db8::1]", Probes.hostHeader(
            new InetSocketAddress(InetAddress.ofLiteral("2001:db8::1"), 443), http(HealthCheckType.HTTPS, Optional.empty())));
        assertEquals("www.example.com", Probes.hostHeader(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), 8080),
            http(HealthCheckType.HTTP, Optional.of("www.example.com"))));
    }

    private static HealthCheckConfig http(final HealthCheckType type, final Optional<String> host)
    {
        return new HealthCheckConfig(type, 80, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3, "/",
            List.of(StatusRange.of(200)), Optional.empty(), host, false, "", Optional.empty(), HealthCheckVia.DIRECT);
    }
}
