package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** /metrics, read line by line as Prometheus would: {@code name{labels} value}, with HELP and TYPE lines. */
class MetricsEndpointTest
{
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    private final ApiServerFixture api = new ApiServerFixture();

    @AfterEach
    void stop()
    {
        api.close();
    }

    /** Every sample, keyed by its name and labels exactly as written, e.g. {@code fulcrum_rx_packets_total}. */
    private Map<String, Double> scrape()
    {
        final HttpResponse<String> response = api.get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        final Map<String, Double> samples = new LinkedHashMap<>();
        for (final String line : response.body().split("\n"))
        {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE "))
            {
                continue;
            }
            final Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "not a sample line: " + line);
            samples.put(sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)),
                Double.parseDouble(sample.group(3)));
        }
        return samples;
    }

    private static String types(final String body)
    {
        final TreeSet<String> types = new TreeSet<>();
        for (final String line : body.split("\n"))
        {
            if (line.startsWith("# TYPE "))
            {
                types.add(line.substring("# TYPE ".length()));
            }
        }
        return String.join("\n", types);
    }

    @Test
    void everyMetricHasTheDocumentedNameAndType()
    {
        assertEquals("""
            fulcrum_active_flows gauge
            fulcrum_agent_errors_total counter
            fulcrum_backend_admin_state gauge
            fulcrum_backend_bytes_total counter
            fulcrum_backend_effective_state gauge
            fulcrum_backend_ejected gauge
            fulcrum_backend_health gauge
            fulcrum_backend_new_flows_total counter
            fulcrum_backend_packets_total counter
            fulcrum_backend_proxy_active gauge
            fulcrum_backend_proxy_latency_seconds gauge
            fulcrum_backend_proxy_requests_total counter
            fulcrum_backend_response_time_seconds histogram
            fulcrum_backend_weight gauge
            fulcrum_dropped_packets_total counter
            fulcrum_flow_evictions_total counter
            fulcrum_icmp_too_big_sent_total counter
            fulcrum_info gauge
            fulcrum_passed_to_host_packets_total counter
            fulcrum_proxy_accepted_total counter
            fulcrum_proxy_active gauge
            fulcrum_proxy_bad_gateway_total counter
            fulcrum_proxy_bad_requests_total counter
            fulcrum_proxy_connect_failures_total counter
            fulcrum_proxy_gateway_timeouts_total counter
            fulcrum_proxy_no_backend_total counter
            fulcrum_proxy_refused_total counter
            fulcrum_proxy_requests_total counter
            fulcrum_proxy_responses2xx_total counter
            fulcrum_proxy_responses5xx_total counter
            fulcrum_proxy_retries_total counter
            fulcrum_rx_packets_total counter
            fulcrum_service_bytes_total counter
            fulcrum_service_new_flows_total counter
            fulcrum_service_packets_total counter
            fulcrum_sync_events_total counter
            fulcrum_sync_max_bytes_per_second gauge
            fulcrum_sync_memory_bytes gauge
            fulcrum_sync_ring_dropped_records_total counter
            fulcrum_sync_role gauge
            fulcrum_tx_packets_total counter
            fulcrum_uptime_seconds gauge
            fulcrum_vrrp_priority gauge
            fulcrum_vrrp_state gauge
            fulcrum_worker_busy_cycles_total counter
            fulcrum_worker_busy_ratio gauge
            fulcrum_worker_idle_cycles_total counter
            fulcrum_worker_longest_cycle_seconds gauge
            fulcrum_worker_stalled_cycles_total counter
            fulcrum_workers gauge""", types(api.get("/metrics").body()));
    }

    @Test
    void servicesCountPacketsBytesAndNewFlows()
    {
        final Map<String, Double> samples = scrape();

        final String web = "{port=\"80\",protocol=\"tcp\",service=\"web\",vip=\"192.0.2.10\"}";
        assertEquals(2000.0, samples.get("fulcrum_service_packets_total" + web));
        assertEquals(200_000.0, samples.get("fulcrum_service_bytes_total" + web));
        assertEquals(200.0, samples.get("fulcrum_service_new_flows_total" + web));
        assertEquals(50.0, samples.get(
            "fulcrum_service_packets_total{port=\"53\",protocol=\"udp\",service=\"dns\",vip=\"2001:db8::10\"}"));
    }

    @Test
    void backendsCountPacketsBytesAndNewFlowsAndShowOneSeriesPerState()
    {
        final Map<String, Double> samples = scrape();

        final String down = "{backend=\"10.0.0.2\",pool=\"web\"";
        assertEquals(400.0, samples.get("fulcrum_backend_packets_total" + down + "}"));
        assertEquals(40_000.0, samples.get("fulcrum_backend_bytes_total" + down + "}"));
        assertEquals(40.0, samples.get("fulcrum_backend_new_flows_total" + down + "}"));
        assertEquals(100.0, samples.get("fulcrum_backend_weight" + down + "}"));
        assertEquals(1.0, samples.get("fulcrum_backend_health" + down + ",state=\"down\"}"));
        assertEquals(0.0, samples.get("fulcrum_backend_health" + down + ",state=\"up\"}"));
        assertEquals(1.0, samples.get("fulcrum_backend_effective_state" + down + ",state=\"down\"}"));

        final String draining = "{backend=\"10.0.0.3\",pool=\"web\"";
        assertEquals(1.0, samples.get("fulcrum_backend_admin_state" + draining + ",state=\"draining\"}"));
        assertEquals(0.0, samples.get("fulcrum_backend_admin_state" + draining + ",state=\"enabled\"}"));
        assertEquals(0.0, samples.get("fulcrum_backend_admin_state" + draining + ",state=\"disabled\"}"));
        assertEquals(1.0, samples.get("fulcrum_backend_health{backend=\"2001:db8::53\",pool=\"dns\",state=\"unchecked\"}"));
    }

    @Test
    void aDrainShowsInTheNextScrape()
    {
        assertEquals(200, api.send("POST", "/api/v1/backends/web/10.0.0.1/drain", "").statusCode());

        final Map<String, Double> samples = scrape();

        assertEquals(1.0, samples.get("fulcrum_backend_admin_state{backend=\"10.0.0.1\",pool=\"web\",state=\"draining\"}"));
        assertEquals(0.0, samples.get("fulcrum_backend_admin_state{backend=\"10.0.0.1\",pool=\"web\",state=\"enabled\"}"));
    }

    @Test
    void dropsAreCountedByReasonSummedOverWorkersThePortsToo()
    {
        final Map<String, Double> samples = scrape();

        assertEquals(10.0, samples.get("fulcrum_dropped_packets_total{reason=\"no_service\"}"));
        assertEquals(2.0, samples.get("fulcrum_dropped_packets_total{reason=\"malformed\"}"));
        assertEquals(4.0, samples.get("fulcrum_dropped_packets_total{reason=\"meant_for_host\"}"),
            "a frame the port could not give to the host");
        for (final String reason : new String[] {"no_healthy_backend", "too_big", "no_headroom", "unknown_fragment",
            "rx_too_long", "rx_ring_full", "rx_no_buffer", "tx_ring_full", "tx_error"})
        {
            assertEquals(0.0, samples.get("fulcrum_dropped_packets_total{reason=\"" + reason + "\"}"), reason);
        }
    }

    @Test
    void theDataPlaneShowsTrafficFlowsAndHowBusyItsWorkersAre()
    {
        final Map<String, Double> samples = scrape();

        assertEquals(2100.0, samples.get("fulcrum_rx_packets_total"));
        assertEquals(2000.0, samples.get("fulcrum_tx_packets_total"));
        assertEquals(42.0, samples.get("fulcrum_active_flows"));
        assertEquals(300.0, samples.get("fulcrum_worker_busy_cycles_total"));
        assertEquals(1700.0, samples.get("fulcrum_worker_idle_cycles_total"));
        assertEquals(0.15, samples.get("fulcrum_worker_busy_ratio"), 1e-9);
        assertEquals(2.0, samples.get("fulcrum_workers"));
        assertEquals(1.0, samples.get("fulcrum_info{packet_io=\"af_xdp\",version=\"0.1.0-test\"}"));
    }

    @Test
    void syncShowsItsRoleWhatItSentAndRefusedAndWhatItMayUse()
    {
        final Map<String, Double> samples = scrape();
        assertEquals(1.0, samples.get("fulcrum_sync_role"));
        assertEquals(1200.0, samples.get("fulcrum_sync_events_total{event=\"records_sent\"}"));
        assertEquals(1.0, samples.get("fulcrum_sync_events_total{event=\"refused_authentication\"}"));
        assertEquals(0.0, samples.get("fulcrum_sync_events_total{event=\"refused_replayed_or_duplicate\"}"));
        assertEquals(9.0, samples.get("fulcrum_sync_ring_dropped_records_total"), "summed over workers");
        assertEquals(3_622_912.0, samples.get("fulcrum_sync_memory_bytes"));
        assertEquals(1_250_000.0, samples.get("fulcrum_sync_max_bytes_per_second"));
    }

    @Test
    void vrrpShowsOneSeriesPerStateWithTheCurrentOneAt1()
    {
        api.appliance.vrrpState("BACKUP");

        final Map<String, Double> samples = scrape();

        assertEquals(1.0, samples.get("fulcrum_vrrp_state{state=\"backup\",vrid=\"51\",vrrp_instance=\"vi_1\"}"));
        assertEquals(0.0, samples.get("fulcrum_vrrp_state{state=\"master\",vrid=\"51\",vrrp_instance=\"vi_1\"}"));
        assertEquals(0.0, samples.get("fulcrum_vrrp_state{state=\"fault\",vrid=\"51\",vrrp_instance=\"vi_1\"}"));
        assertEquals(150.0, samples.get("fulcrum_vrrp_priority{vrid=\"51\",vrrp_instance=\"vi_1\"}"));
    }
}
