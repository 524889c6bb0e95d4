package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceModelTest
{
    private static final String FIRST = """
        services:
          - { name: web, vip: 192.0.2.10, port: 80, pool: web-pool }
          - { name: dns, vip: "2001:db8::53", port: 53, protocol: udp, forwarding: gue, maglev-table-size: 4099, pool: dns-pool }
        pools:
          - name: web-pool
            backends:
              - { address: 10.0.0.11, mac: "02:00:00:00:00:11" }
              - { address: 10.0.0.12, weight: 50 }
          - name: dns-pool
            backends:
              - { address: "fd00::53:1" }
        """;

    /** The same file after an edit: a backend added at the front of web-pool, a new pool put before dns-pool. */
    private static final String SECOND = """
        services:
          - { name: web, vip: 192.0.2.10, port: 80, pool: web-pool }
          - { name: dns, vip: "2001:db8::53", port: 53, protocol: udp, forwarding: gue, maglev-table-size: 4099, pool: dns-pool }
        pools:
          - name: web-pool
            backends:
              - { address: 10.0.0.10 }
              - { address: 10.0.0.11, mac: "02:00:00:00:00:11" }
              - { address: 10.0.0.12, weight: 50 }
          - name: spare
            backends:
              - { address: 10.0.0.99 }
          - name: dns-pool
            backends:
              - { address: "fd00::53:1" }
        """;

    @Test
    void servicesBecomeTheDataPlaneModelWithIdsInFileOrder() throws ConfigException
    {
        final List<Service> services = ServiceModel.services(ConfigLoader.parse(Path.of("first.yaml"), FIRST));

        final Service web = services.get(0);
        assertEquals(0, web.id());
        assertEquals("web", web.name());
        assertEquals(IpLiterals.parse("192.0.2.10"), web.vip());
        assertEquals(Service.TCP, web.protocol());
        assertEquals(Encapsulation.IPIP, web.encapsulation());
        assertEquals(65537, web.maglevSize());
        assertEquals(List.of(
                new Backend(0, IpLiterals.parse("10.0.0.11"), 100, BackendState.ACTIVE, 0x02_00_00_00_00_11L),
                new Backend(1, IpLiterals.parse("10.0.0.12"), 50, BackendState.ACTIVE, 0)),
            web.backends());

        final Service dns = services.get(1);
        assertEquals(1, dns.id());
        assertEquals(Service.UDP, dns.protocol());
        assertEquals(Encapsulation.GUE, dns.encapsulation());
        assertEquals(4099, dns.maglevSize());
        assertEquals(2, dns.backends().getFirst().id());
    }

    @Test
    void backendIdsSurviveAReloadThatAddsBackendsAndPools() throws ConfigException
    {
        final BackendIds ids = new BackendIds();
        final Map<String, Integer> before = idsByAddress(ServiceModel.services(ConfigLoader.parse(Path.of("f.yaml"), FIRST), ids));

        final Map<String, Integer> after = idsByAddress(ServiceModel.services(ConfigLoader.parse(Path.of("f.yaml"), SECOND), ids));

        for (final Map.Entry<String, Integer> backend : before.entrySet())
        {
            assertEquals(backend.getValue(), after.get(backend.getKey()), backend.getKey());
        }
        assertEquals(3, after.get("10.0.0.10"));
        assertEquals(5, ids.issued()); // 3 on the first load, then 10.0.0.10 and the spare pool's 10.0.0.99
    }

    @Test
    void theIdOfARemovedBackendIsNotGivenToANewOne() throws ConfigException
    {
        final BackendIds ids = new BackendIds();
        ServiceModel.services(ConfigLoader.parse(Path.of("f.yaml"), SECOND), ids);

        final Map<String, Integer> after = idsByAddress(ServiceModel.services(ConfigLoader.parse(Path.of("f.yaml"),
            FIRST.replace("10.0.0.12", "10.0.0.13")), ids));

        assertEquals(5, after.get("10.0.0.13"));
    }

    @Test
    void theSameAddressInTwoPoolsHasTwoIds()
    {
        final BackendIds ids = new BackendIds();

        final int inWeb = ids.idOf("web-pool", IpLiterals.parse("10.0.0.1"));
        final int inApi = ids.idOf("api-pool", IpLiterals.parse("10.0.0.1"));

        assertTrue(inWeb != inApi);
        assertEquals(inWeb, ids.idOf("web-pool", IpLiterals.parse("10.0.0.1")));
    }

    @Test
    void aPoolSharedByTwoServicesGivesThemTheSameBackendIds() throws ConfigException
    {
        final List<Service> services = ServiceModel.services(ConfigLoader.parse(Path.of("shared.yaml"), """
            services:
              - { name: http, vip: 192.0.2.10, port: 80, pool: p }
              - { name: https, vip: 192.0.2.10, port: 443, pool: p }
            pools:
              - { name: p, backends: [{ address: 10.0.0.1 }, { address: 10.0.0.2 }] }
            """));

        assertEquals(services.get(0).backends(), services.get(1).backends());
    }

    private static Map<String, Integer> idsByAddress(final List<Service> services)
    {
        final Map<String, Integer> ids = new HashMap<>();
        for (final Service service : services)
        {
            for (final Backend backend : service.backends())
            {
                ids.put(IpLiterals.format(backend.address()), backend.id());
            }
        }
        return ids;
    }
}
