package io.fulcrum.controlplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import io.fulcrum.proxy.transport.TransportKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest
{
    private static final Path EXAMPLE = Path.of("..", "docs", "examples", "fulcrum.yaml");

    @TempDir
    Path directory;

    @Test
    void theDocumentedExampleLoadsWithTheValuesItShows() throws ConfigException
    {
        final FulcrumConfig config = ConfigLoader.load(EXAMPLE);

        assertEquals(EXAMPLE, config.source());
        final DataplaneConfig dataplane = config.dataplane();
        assertEquals(List.of("eth1"), dataplane.interfaces());
        assertEquals(PacketIo.AUTO, dataplane.packetIo());
        assertEquals(2, dataplane.workers());
        assertEquals(List.of(1, 2), dataplane.cores());
        assertEquals(IdleMode.BACKOFF, dataplane.idle());
        assertEquals(new ConnectionTableConfig(1 << 20, Duration.ofMinutes(15), Duration.ofSeconds(10), Duration.ofMinutes(1)),
            dataplane.connectionTable());
        assertEquals("172.16.0.0/16 fd00:f1c::/64 9886", dataplane.encapsulation().ipv4Source() + " " +
            dataplane.encapsulation().ipv6Source() + " " + dataplane.encapsulation().guePort());
        assertEquals(Path.of("/dev/shm/fulcrum-counters"), dataplane.countersFile());

        assertEquals(2, config.services().size());
        final ServiceConfig web = config.services().get(0);
        assertEquals("web 192.0.2.10 80 TCP IPIP 65537 web-pool", describe(web));
        final ServiceConfig dns = config.services().get(1);
        assertEquals("dns 2001:db8::53 53 UDP GUE 4099 dns-pool", describe(dns));

        assertEquals(List.of("web-pool", "dns-pool"), config.pools().stream().map(PoolConfig::name).toList());
        final BackendConfig small = config.pools().get(0).backends().get(2);
        assertEquals("10.0.0.13 50 " + 0x02_00_00_00_00_13L, IpLiterals.format(small.address()) + " " + small.weight()
            + " " + small.mac());
        // The pool's HTTP check with the backend's own port.
        assertEquals("HTTP 8080 /healthz", small.healthCheck().map(c -> c.type() + " " + c.port() + " " + c.path())
            .orElse("unchecked"));
        assertEquals(5, config.backendCount());
        assertEquals("127.0.0.1:9090 /etc/fulcrum/token", config.api().map(api -> api.listen().getHostString() + ":"
            + api.listen().getPort() + " " + api.tokenFile().orElseThrow()).orElse("no api"));
    }

    @Test
    void aFileWithOnlyServicesAndPoolsTakesEveryDefault() throws ConfigException
    {
        final FulcrumConfig config = ConfigLoader.parse(Path.of("minimal.yaml"), """
            services:
              - { name: web, vip: 192.0.2.10, port: 443, pool: p }
            pools:
              - { name: p, backends: [{ address: 10.0.0.1 }] }
            """);

        assertEquals(DataplaneConfig.defaults(), config.dataplane());
        final ServiceConfig web = config.services().getFirst();
        assertEquals(Protocol.TCP, web.protocol());
        assertEquals(Encapsulation.IPIP, web.forwarding());
        assertEquals(SchedulerKind.MAGLEV, web.scheduler());
        assertEquals(ServiceConfig.DEFAULT_MAGLEV_TABLE_SIZE, web.maglevTableSize());
        assertEquals(new BackendConfig(IpLiterals.parse("10.0.0.1"), 100, MacAddresses.UNRESOLVED),
            config.pools().getFirst().backends().getFirst());
    }

    @Test
    void proxiedServicesTakeTheirModeSchedulerTimeoutsAndRoutes() throws ConfigException
    {
        final FulcrumConfig config = ConfigLoader.parse(Path.of("proxy.yaml"), """
            proxy: { transport: epoll, cores: [1, 3] }
            services:
              - name: web
                vip: 192.0.2.10
                port: 80
                mode: http
                scheduler: least-response-time
                pool: web
                backend-port: 8080
                response-timeout: 5s
                routes:
                  - { host: API.example.com, path-prefix: /v1/, pool: api }
                  - { path-prefix: /static/, pool: api }
              - { name: db, vip: 192.0.2.10, port: 5432, mode: tcp, scheduler: least-connections, pool: api,
                  proxy-protocol: true, max-connections: 1000, retries: 0 }
              - { name: dns, vip: 192.0.2.10, port: 53, mode: udp, scheduler: round-robin, pool: api }
            pools:
              - { name: web, backends: [{ address: 10.0.0.1 }] }
              - { name: api, backends: [{ address: 10.0.0.2 }] }
            """);

        assertEquals(new ProxyConfig(TransportKind.EPOLL, List.of(1, 3)), config.proxy());
        assertTrue(config.proxies());
        final ServiceConfig web = config.services().get(0);
        assertEquals(ServiceMode.HTTP + " " + SchedulerKind.LEAST_RESPONSE_TIME + " 8080 PT5S PT10S PT1M",
            web.mode() + " " + web.scheduler() + " " + web.backendPort() + " " + web.proxy().responseTimeout() + " "
                + web.proxy().requestHeaderTimeout() + " " + web.proxy().idleTimeout());
        assertEquals(List.of(new RouteConfig(Optional.of("api.example.com"), "/v1/", "api"),
            new RouteConfig(Optional.empty(), "/static/", "api")), web.proxy().routes());
        final ServiceConfig db = config.services().get(1);
        assertEquals("TCP true 1000 0 5432", db.protocol() + " " + db.proxy().proxyProtocol() + " "
            + db.proxy().maxConnections() + " " + db.proxy().retries() + " " + db.backendPort());
        final ServiceConfig dns = config.services().get(2);
        assertEquals("UDP PT30S", dns.protocol() + " " + dns.proxy().idleTimeout());
    }

    @Test
    void anIpv6VipMayBeCarriedToIpv4BackendsAndOnePoolMayServeTwoServices() throws ConfigException
    {
        final FulcrumConfig config = ConfigLoader.parse(Path.of("mixed.yaml"), """
            services:
              - { name: web4, vip: 192.0.2.10, port: 80, pool: p }
              - { name: web6, vip: "2001:db8::10", port: 80, pool: p }
              - { name: dns6, vip: "2001:db8::10", port: 80, protocol: udp, forwarding: gue, pool: p }
            pools:
              - { name: p, backends: [{ address: 10.0.0.1 }, { address: "fd00::1", weight: 0 }] }
            """);

        assertEquals(3, config.services().size());
        assertEquals(0, config.pools().getFirst().backends().get(1).weight());
    }

    @Test
    void everyProblemInAFileIsReportedInFileOrderNotJustTheFirst() throws IOException
    {
        final Path file = directory.resolve("several.yaml");
        Files.writeString(file, """
            dataplane:
              workers: 0
              idle: sleepy
            services:
              - name: web
                vip: 192.0.2.300
                port: 0
                pool: nowhere
              - { name: web, vip: 192.0.2.10, port: 80, protocol: icmp, pool: p }
            pools:
              - name: p
                backends:
                  - { address: 10.0.0.1, weight: -5, mac: "02:00:00:00:00" }
                  - { address: 10.0.0.1 }
            """);

        final ConfigException refused = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        final List<String> where = new ArrayList<>();
        for (final ConfigProblem problem : refused.problems())
        {
            where.add(problem.line() + " " + problem.field());
        }
        assertEquals(List.of(
            "2 dataplane.workers",
            "3 dataplane.idle",
            "6 services[0].vip",
            "7 services[0].port",
            "8 services[0].pool",
            "9 services[1].name",
            "9 services[1].protocol",
            "13 pools[0].backends[0].weight",
            "13 pools[0].backends[0].mac",
            "14 pools[0].backends[1].address"), where, refused::getMessage);
        assertEquals(refused.problems().size(), refused.getMessage().lines().count());
        assertEquals(file + ":2:12: dataplane.workers: expected an integer from 1 to 1024, found 0",
            refused.getMessage().lines().findFirst().orElseThrow());
    }

    @Test
    void theConnectionTableLivesInAFileUnlessPersistenceIsTurnedOff() throws ConfigException
    {
        final String services = """
            services:
              - { name: web, vip: 192.0.2.10, port: 443, pool: p }
            pools:
              - { name: p, backends: [{ address: 10.0.0.1 }] }
            """;
        assertEquals(Optional.of(Path.of("/dev/shm/fulcrum/connections")),
            ConfigLoader.parse(Path.of("default.yaml"), services).dataplane().connectionTable().file());
        assertEquals(Optional.of(Path.of("/run/lb/flows")), ConfigLoader.parse(Path.of("file.yaml"),
            "dataplane: { connection-table: { file: /run/lb/flows } }\n" + services).dataplane().connectionTable().file());
        assertEquals(Optional.empty(), ConfigLoader.parse(Path.of("off.yaml"),
            "dataplane: { connection-table: { persistent: false } }\n" + services).dataplane().connectionTable().file());

        final ConfigException refused = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
            Path.of("relative.yaml"), "dataplane:\n  connection-table: { file: flows, persistent: maybe }\n" + services));
        assertEquals(List.of(
            "relative.yaml:2:29: dataplane.connection-table.file: expected an absolute file path, like "
                + "/dev/shm/fulcrum/connections, found 'flows'",
            "relative.yaml:2:48: dataplane.connection-table.persistent"),
            refused.problems().stream().map(p -> p.toString().replaceAll("(persistent):.*", "$1")).toList());
    }

    @Test
    void aMissingFileIsReportedWithoutAPosition()
    {
        final Path file = directory.resolve("absent.yaml");

        final ConfigException refused = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(file + ": cannot read the file: it does not exist", refused.getMessage());
        assertEquals(new ConfigProblem(file, 0, 0, "", "cannot read the file: it does not exist"), refused.problems().getFirst());
    }

    @Test
    void aFileThatIsNotUtf8IsRefused() throws IOException
    {
        final Path file = directory.resolve("latin1.yaml");
        Files.write(file, new byte[]{'#', ' ', (byte)0xe9, '\n'});

        final ConfigException refused = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(file + ": cannot read the file: it is not UTF-8 text", refused.getMessage());
    }

    @Test
    void aSyncSectionGivesTheLinkTheKeyAndTheBoundsItNames() throws Exception
    {
        final String key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        final FulcrumConfig config = ConfigLoader.parse(Path.of("sync.yaml"), """
            services: []
            pools: []
            vrrp:
              - { name: VI_1, interface: eth0, vrid: 51, virtual-addresses: [192.0.2.10] }
            sync:
              local: "10.200.9.1:7946"
              peer: "10.200.9.2:7946"
              key: %s
              max-bandwidth: 20mbit
              ring-size: 256KiB
              retransmit-buffer: 512
              resync-interval: 1m
            """.formatted(key));
        final SyncConfig sync = config.sync().orElseThrow();
        assertEquals(new java.net.InetSocketAddress(IpLiterals.parse("10.200.9.1"), 7946), sync.local());
        assertEquals(new java.net.InetSocketAddress(IpLiterals.parse("10.200.9.2"), 7946), sync.peer());
        assertEquals(key, java.util.HexFormat.of().formatHex(sync.keyBytes()));
        assertEquals(2_500_000, sync.maxBytesPerSecond());
        assertEquals(256 * 1024, sync.ringBytes());
        assertEquals(512, sync.retransmitBuffer());
        assertEquals(Duration.ofMinutes(1), sync.resyncInterval());
        assertEquals(java.util.Optional.empty(),
            ConfigLoader.parse(Path.of("none.yaml"), "services: []\npools: []\n").sync());
    }

    @Test
    void aVrrpInstanceAnswersWithTheVirtualRouterMacUnlessToldNotToAndAcceptsOnlyWhenTold() throws ConfigException
    {
        final FulcrumConfig config = ConfigLoader.parse(Path.of("vrrp.yaml"), """
            services: []
            pools: []
            vrrp:
              - { name: VI_1, interface: eth0, vrid: 51, virtual-addresses: [192.0.2.10] }
              - { name: VI_2, interface: eth0, vrid: 52, virtual-addresses: [192.0.2.11], virtual-mac: false,
                  accept: true }
            """);
        // RFC 9568: the virtual router MAC is what the RFC expects, Accept_Mode is off unless configured
        assertEquals(List.of(true, false), config.vrrp().stream().map(VrrpInstanceConfig::virtualMac).toList());
        assertEquals(List.of(false, true), config.vrrp().stream().map(VrrpInstanceConfig::accept).toList());
    }

    @Test
    void integersMayBeWrittenInHexadecimalAsTheYamlCoreSchemaAllows() throws ConfigException
    {
        final FulcrumConfig config = ConfigLoader.parse(Path.of("hex.yaml"), "dataplane: { batch-size: 0x40 }\n");

        assertEquals(64, config.dataplane().batchSize());
    }

    @Test
    void aPoolNoServiceUsesIsAWarningAndTheFileStaysValid() throws IOException, ConfigException
    {
        final Path file = directory.resolve("spare.yaml");
        Files.writeString(file, """
            services:
              - { name: web, vip: 192.0.2.10, port: 80, pool: web }
            pools:
              - name: web
                backends: [{ address: 10.0.0.1 }]
              - name: spare
                backends: [{ address: 10.0.0.2 }]
            vrrp:
              - { name: VI_1, interface: eth0, vrid: 1, virtual-addresses: [192.0.2.10], track-pools: [{ pool: spare }] }
            """);

        final CheckedConfig checked = ConfigLoader.check(file);

        assertEquals(List.of(file + ":6:5: warning: pool 'spare' is used by no service"),
            checked.warnings().stream().map(ConfigWarning::toString).toList());
        assertEquals(List.of("web", "spare"), checked.config().pools().stream().map(PoolConfig::name).toList());
        assertEquals(checked.config(), ConfigLoader.load(file));
    }

    @Test
    void theDocumentedExampleUsesEveryPoolSoItHasNoWarnings() throws ConfigException
    {
        assertEquals(List.of(), ConfigLoader.check(EXAMPLE).warnings());
    }

    private static String describe(final ServiceConfig service)
    {
        return service.name() + " " + IpLiterals.format(service.vip()) + " " + service.port() + " " + service.protocol() + " " +
            service.forwarding() + " " + service.maglevTableSize() + " " + service.pool();
    }
}
