package io.fulcrum.controlplane.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthCheckConfigTest
{
    private static final String SERVICE = """
        services:
          - { name: web, vip: 192.0.2.10, port: 80, pool: p }
        """;

    @Test
    void aPoolWithoutAHealthCheckLeavesItsBackendsUnchecked() throws ConfigException
    {
        final PoolConfig pool = load(SERVICE + """
            pools:
              - { name: p, backends: [{ address: 10.0.0.1 }] }
            """);

        assertEquals(Optional.empty(), pool.backends().getFirst().healthCheck());
    }

    @Test
    void anHttpCheckGivenOnlyItsTypeTakesEveryDefault() throws ConfigException
    {
        final PoolConfig pool = load(SERVICE + """
            pools:
              - name: p
                health-check: { type: http }
                backends: [{ address: 10.0.0.1 }]
            """);

        final HealthCheckConfig check = pool.backends().getFirst().healthCheck().orElseThrow();
        assertEquals(new HealthCheckConfig(HealthCheckType.HTTP, 80, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3,
            "/", List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), false, "", Optional.empty(), HealthCheckVia.ENCAPSULATED), check);
    }

    @Test
    void anHttpsCheckDefaultsToPort443WithoutVerification() throws ConfigException
    {
        final HealthCheckConfig check = load(SERVICE + """
            pools:
              - { name: p, health-check: { type: https }, backends: [{ address: 10.0.0.1 }] }
            """).backends().getFirst().healthCheck().orElseThrow();

        assertEquals(443, check.port());
        assertFalse(check.verify());
    }

    @Test
    void everyFieldOfAnHttpCheckIsRead() throws ConfigException
    {
        final HealthCheckConfig check = load(SERVICE + """
            pools:
              - name: p
                health-check:
                  type: https
                  port: 8443
                  interval: 5s
                  timeout: 1500ms
                  rise: 4
                  fall: 5
                  path: /healthz?full=1
                  expect-status: [200, "300-399"]
                  expect-body: '"status":"ok"'
                  host: www.example.com
                  verify: true
                backends: [{ address: 10.0.0.1 }]
            """).backends().getFirst().healthCheck().orElseThrow();

        assertEquals(new HealthCheckConfig(HealthCheckType.HTTPS, 8443, Duration.ofSeconds(5), Duration.ofMillis(1500),
            4, 5, "/healthz?full=1", List.of(StatusRange.of(200), new StatusRange(300, 399)),
            Optional.of("\"status\":\"ok\""), Optional.of("www.example.com"), true, "", Optional.empty(), HealthCheckVia.ENCAPSULATED), check);
        assertTrue(check.expectsStatus(302));
        assertFalse(check.expectsStatus(204));
    }

    @Test
    void aUdpRequestSpellsTheSameBytesInSingleOrDoubleQuotes() throws ConfigException
    {
        final PoolConfig pool = load(SERVICE + """
            pools:
              - name: p
                health-check: { type: udp, port: 53, send: '\\x00\\x01ping\\n', expect: pong }
                backends:
                  - address: 10.0.0.1
                  - { address: 10.0.0.2, health-check: { send: "\\x00\\x01ping\\n" } }
            """);

        final HealthCheckConfig single = pool.backends().get(0).healthCheck().orElseThrow();
        final HealthCheckConfig doubled = pool.backends().get(1).healthCheck().orElseThrow();
        assertArrayEquals(new byte[]{0, 1, 'p', 'i', 'n', 'g', '\n'}, single.sendBytes());
        assertEquals(single, doubled);
        assertEquals(Optional.of("pong"), single.expect());
    }

    @Test
    void aBackendOverridesOnlyTheFieldsItGives() throws ConfigException
    {
        final PoolConfig pool = load(SERVICE + """
            pools:
              - name: p
                health-check: { type: http, port: 8080, path: /healthz, interval: 3s, fall: 2 }
                backends:
                  - address: 10.0.0.1
                  - { address: 10.0.0.2, health-check: { port: 9090, rise: 5 } }
            """);

        final HealthCheckConfig first = pool.backends().get(0).healthCheck().orElseThrow();
        final HealthCheckConfig second = pool.backends().get(1).healthCheck().orElseThrow();
        assertEquals("http 8080 /healthz 3s rise 2 fall 2", describe(first));
        assertEquals("http 9090 /healthz 3s rise 5 fall 2", describe(second));
    }

    @Test
    void aBackendThatChangesTheTypeKeepsOnlyThePoolsTiming() throws ConfigException
    {
        final PoolConfig pool = load(SERVICE + """
            pools:
              - name: p
                health-check: { type: http, port: 8080, path: /healthz, interval: 3s, fall: 4 }
                backends:
                  - { address: 10.0.0.1, health-check: { type: tcp, port: 22 } }
            """);

        final HealthCheckConfig check = pool.backends().getFirst().healthCheck().orElseThrow();
        assertEquals("tcp 22 / 3s rise 2 fall 4", describe(check));
    }

    @Test
    void aBackendMayHaveACheckInAPoolWithout() throws ConfigException
    {
        final PoolConfig pool = load(SERVICE + """
            pools:
              - name: p
                backends:
                  - address: 10.0.0.1
                  - { address: 10.0.0.2, health-check: { type: tcp, port: 443 } }
            """);

        assertEquals(Optional.empty(), pool.backends().get(0).healthCheck());
        assertEquals(Optional.of(HealthCheckConfig.tcp(443)), pool.backends().get(1).healthCheck());
    }

    @Test
    void aCheckGoesThroughTheEncapsulationUnlessTheFileSaysDirect() throws ConfigException
    {
        final List<PoolConfig> pools = ConfigLoader.parse(Path.of("checks.yaml"), SERVICE + """
            pools:
              - name: p
                health-check: { type: tcp, port: 80 }
                backends:
                  - address: 10.0.0.1
                  - { address: 10.0.0.2, health-check: { via: direct } }
              - name: q
                health-check: { type: http, via: direct }
                backends:
                  - address: 10.0.0.4
                  - { address: 10.0.0.5, health-check: { type: tcp, port: 22 } }
                  - { address: 10.0.0.6, health-check: { via: encapsulated } }
            """).pools();

        assertEquals(List.of(HealthCheckVia.ENCAPSULATED, HealthCheckVia.DIRECT), ways(pools.get(0)));
        // A backend that changes the type keeps the pool's way, as it keeps its timing.
        assertEquals(List.of(HealthCheckVia.DIRECT, HealthCheckVia.DIRECT, HealthCheckVia.ENCAPSULATED),
            ways(pools.get(1)));
    }

    private static List<HealthCheckVia> ways(final PoolConfig pool)
    {
        return pool.backends().stream().map(backend -> backend.healthCheck().orElseThrow().via()).toList();
    }

    private static String describe(final HealthCheckConfig check)
    {
        return check.type().yamlName() + " " + check.port() + " " + check.path() + " " +
            check.interval().toSeconds() + "s rise " + check.rise() + " fall " + check.fall();
    }

    private static PoolConfig load(final String yaml) throws ConfigException
    {
        return ConfigLoader.parse(Path.of("checks.yaml"), yaml).pools().getFirst();
    }
}
