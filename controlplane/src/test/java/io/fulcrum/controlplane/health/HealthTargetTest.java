package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.controlplane.config.HealthCheckType;
import io.fulcrum.controlplane.config.HealthCheckVia;
import io.fulcrum.controlplane.config.StatusRange;
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

        assertEquals(List.of(
                new HealthTarget("web", InetAddress.ofLiteral("10.0.0.1"), HealthCheckConfig.tcp(80)),
                new HealthTarget("web", InetAddress.ofLiteral("10.0.0.2"), HealthCheckConfig.tcp(8080))),
            targets);
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
