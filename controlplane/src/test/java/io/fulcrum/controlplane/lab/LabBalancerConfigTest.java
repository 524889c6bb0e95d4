package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

final class LabBalancerConfigTest
{
    private static final Map<String, String> MACS =
        Map.of("be1", "02:f1:00:00:00:11", "be2", "02:f1:00:00:00:12", "be3", "02:f1:00:00:00:13");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(final String yaml)
    {
        return (Map<String, Object>)new Load(LoadSettings.builder().build()).loadFromString(yaml);
    }

    @Test
    void lb1BalancesBothVipsOnPort80OverIpipOnItsLanPort()
    {
        final Map<String, Object> config = parse(LabBalancerConfig.render(new LabTopology("fl"), MACS));

        @SuppressWarnings("unchecked")
        final Map<String, Object> dataplane = (Map<String, Object>)config.get("dataplane");
        assertEquals(List.of("eth0"), dataplane.get("interfaces"));
        assertEquals("backoff", dataplane.get("idle"));
        @SuppressWarnings("unchecked")
        final List<Map<String, Object>> services = (List<Map<String, Object>>)config.get("services");
        assertEquals(List.of("10.200.0.100", "fd00:200::100"), services.stream().map(s -> s.get("vip")).toList());
        for (final Map<String, Object> service : services)
        {
            assertEquals(80, service.get("port"));
            assertEquals("tcp", service.get("protocol"));
            assertEquals("ipip", service.get("forwarding"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachPoolNamesTheThreeBackendsByAddressAndMac()
    {
        final Map<String, Object> config = parse(LabBalancerConfig.render(new LabTopology("fl"), MACS));
        final List<Map<String, Object>> pools = (List<Map<String, Object>>)config.get("pools");

        final List<Map<String, Object>> web4 = (List<Map<String, Object>>)pools.get(0).get("backends");
        final List<Map<String, Object>> web6 = (List<Map<String, Object>>)pools.get(1).get("backends");
        assertEquals(List.of("10.200.0.11", "10.200.0.12", "10.200.0.13"), web4.stream().map(b -> b.get("address")).toList());
        assertEquals(List.of("fd00:200::11", "fd00:200::12", "fd00:200::13"), web6.stream().map(b -> b.get("address")).toList());
        assertEquals(List.of("02:f1:00:00:00:11", "02:f1:00:00:00:12", "02:f1:00:00:00:13"),
            web6.stream().map(b -> b.get("mac")).toList());
    }

    @Test
    void aBackendWithoutAMacIsRefused()
    {
        assertThrows(IllegalArgumentException.class,
            () -> LabBalancerConfig.render(new LabTopology("fl"), Map.of("be1", "02:f1:00:00:00:11")));
    }
}
