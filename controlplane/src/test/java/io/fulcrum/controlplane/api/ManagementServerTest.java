package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.fulcrum.controlplane.daemon.Views;

class ManagementServerTest
{
    private final ApiServerFixture api = new ApiServerFixture();

    @AfterEach
    void stop()
    {
        api.close();
    }

    @Test
    void healthSaysHealthyAndNamesTheVersion()
    {
        final HttpResponse<String> response = api.get("/api/v1/health");

        assertEquals(200, response.statusCode());
        assertEquals("application/json; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"status\":\"healthy\",\"version\":\"0.1.0-test\",\"problems\":[]}", response.body());
    }

    @Test
    void healthWithoutATokenTellsOnlyTheVerdict()
    {
        for (final String authorization : new String[] {null, "Bearer wrong-token"})
        {
            final HttpResponse<String> response = api.send("GET", "/api/v1/health", null, authorization);

            assertEquals(200, response.statusCode());
            assertEquals("{\"status\":\"healthy\"}", response.body());
        }
    }

    @Test
    void anUnhealthyApplianceAnswers503WithWhatIsWrong()
    {
        api.appliance.vrrpState("FAULT");

        final HttpResponse<String> withToken = api.get("/api/v1/health");
        final HttpResponse<String> without = api.send("GET", "/api/v1/health", null, null);

        assertEquals(503, withToken.statusCode());
        assertEquals("[\"VRRP instance vi_1 is fault\"]", api.json(withToken).get("problems").toString());
        assertEquals(503, without.statusCode());
        assertEquals("{\"status\":\"unhealthy\"}", without.body());
    }

    @Test
    void statusShowsVersionUptimeConfigurationPacketIoWorkersAndVrrp()
    {
        final JsonNode status = api.json(api.get("/api/v1/status"));

        assertEquals("0.1.0-test", status.get("version").asText());
        assertEquals("2026-11-25T11:00:00Z", status.get("started").asText());
        assertEquals(3725, status.get("uptimeSeconds").asLong());
        assertEquals("/etc/fulcrum/fulcrum.yaml", status.get("configFile").asText());
        assertEquals("af_xdp", status.get("packetIo").asText());
        assertEquals(2, status.get("workers").asInt());
        assertEquals("{\"instance\":\"vi_1\",\"vrid\":51,\"state\":\"MASTER\",\"priority\":150}",
            status.get("vrrp").get(0).toString());
        assertEquals("master", status.get("sync").get("role").asText());
        assertEquals("10.200.9.2:7946", status.get("sync").get("peer").asText());
        assertEquals(1200, status.get("sync").get("recordsSent").asLong());
    }

    @Test
    void servicesListEachServiceWithItsBackendsAndCounters()
    {
        final JsonNode services = api.json(api.get("/api/v1/services"));

        assertEquals(4, services.size());
        final JsonNode web = services.get(0);
        assertEquals("web", web.get("name").asText());
        assertEquals("192.0.2.10", web.get("vip").asText());
        assertEquals(80, web.get("port").asInt());
        assertEquals("tcp", web.get("protocol").asText());
        assertEquals("ipip", web.get("forwarding").asText());
        assertEquals("web", web.get("pool").asText());
        assertEquals(2000, web.get("packets").asLong());
        assertEquals(200_000, web.get("bytes").asLong());
        assertEquals(200, web.get("newFlows").asLong());
        assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"),
            web.get("backends").valueStream().map(b -> b.get("address").asText()).toList());
        assertEquals("2001:db8::10", services.get(1).get("vip").asText());
    }

    @Test
    void backendsShowWeightAdminStateHealthEffectiveStateHistoryAndCounters()
    {
        final JsonNode backends = api.json(api.get("/api/v1/backends"));

        assertEquals(4, backends.size());
        assertEquals("""
            {"pool":"web","address":"10.0.0.2","weight":100,"admin":"enabled","health":"down","effective":"down",\
            "history":[{"at":"2026-11-25T12:00:00Z","ok":false,"millis":2000,"detail":"connect timed out"}],\
            "packets":400,"bytes":40000,"newFlows":40,"active":1,"latencyMs":0.4,"ejected":true,"requests":40,\
            "responseTimes":{"count":40,"sumSeconds":0.08,"buckets":[{"le":1.0E-4,"count":0},{"le":2.5E-4,"count":0},\
            {"le":5.0E-4,"count":0},{"le":0.001,"count":0},{"le":0.0025,"count":39},{"le":0.005,"count":39},\
            {"le":0.01,"count":39},{"le":0.025,"count":39},{"le":0.05,"count":40},{"le":"+Inf","count":40}]}}""", backends.get(1).toString());
        assertEquals("draining", backends.get(2).get("admin").asText());
        assertEquals("draining", backends.get(2).get("effective").asText());
    }

    @Test
    void countersSumTheWorkersAndNameEachDropReason()
    {
        final JsonNode counters = api.json(api.get("/api/v1/counters"));

        final JsonNode totals = counters.get("totals");
        assertEquals(2100, totals.get("rxPackets").asLong());
        assertEquals(2000, totals.get("txPackets").asLong());
        assertEquals(16, totals.get("dropped").asLong());
        assertEquals(42, totals.get("activeFlows").asLong());
        assertEquals(0.15, totals.get("busyRatio").asDouble(), 1e-9); // 300 busy of 2000 cycles
        assertEquals(10, counters.get("drops").get("no service").asLong());
        assertEquals(2, counters.get("drops").get("malformed").asLong());
        assertEquals(0, counters.get("drops").get("too big").asLong());
        assertEquals(4, counters.get("drops").get("meant for host").asLong(), "a port's drop");
        assertTrue(counters.get("rows").valueStream().anyMatch(row -> row.get("label").asText().equals("rx packets")
            && row.get("value").asLong() == 2100), counters.toString());
    }

    @Test
    void vrrpListsTheInstancesFromTheStatus()
    {
        assertEquals("[{\"instance\":\"vi_1\",\"vrid\":51,\"state\":\"MASTER\",\"priority\":150}]",
            api.get("/api/v1/vrrp").body());
    }

    @Test
    void configIsTheRunningFileAsText()
    {
        final HttpResponse<String> response = api.get("/api/v1/config");

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("application/yaml"));
        assertEquals(RecordingAppliance.CONFIGURATION, response.body());
    }

    @Test
    void validateChecksTheBodyAndAnswersWithEveryProblem()
    {
        final HttpResponse<String> bad = api.send("POST", "/api/v1/config/validate", "services:\n  - port: 70000\n");
        final HttpResponse<String> good = api.send("POST", "/api/v1/config/validate", "services: []\n");

        assertEquals(200, bad.statusCode());
        assertEquals("{\"ok\":false,\"problems\":[\"" + RecordingAppliance.PROBLEM + "\"],"
            + "\"summary\":\"1 problem; nothing changed\"}", bad.body());
        assertEquals("{\"ok\":true,\"problems\":[],\"summary\":\"OK (2 services, 4 backends)\"}", good.body());
        assertEquals(List.of("validate 26 chars", "validate 13 chars"), api.appliance.calls());
    }

    @Test
    void reloadAnswersWithTheReloadResult()
    {
        api.appliance.nextReload(new Views.ReloadResult(false, List.of("a:1:1: x: wrong"), "1 problem"));

        final HttpResponse<String> response = api.send("POST", "/api/v1/config/reload", "");

        assertEquals(200, response.statusCode());
        assertEquals("{\"ok\":false,\"problems\":[\"a:1:1: x: wrong\"],\"summary\":\"1 problem\"}", response.body());
        assertEquals(List.of("reload"), api.appliance.calls());
    }

    @ParameterizedTest
    @CsvSource({"drain, DRAINING, draining", "disable, DISABLED, down", "enable, ENABLED, active"})
    void anAdminActionSetsTheStateAndAnswersWithTheBackendAsItIsNow(final String action, final String state,
        final String effective)
    {
        final HttpResponse<String> response = api.send("POST", "/api/v1/backends/web/10.0.0.1/" + action, "");

        assertEquals(200, response.statusCode(), response.body());
        final JsonNode backend = api.json(response);
        assertEquals("10.0.0.1", backend.get("address").asText());
        assertEquals(state.toLowerCase(), backend.get("admin").asText());
        assertEquals(effective, backend.get("effective").asText());
        assertTrue(api.appliance.calls().contains("setAdminState web 10.0.0.1 " + state), api.appliance.calls()::toString);
    }

    @Test
    void anIpv6BackendIsNamedWithItsAddressPercentEncoded()
    {
        final HttpResponse<String> response = api.send("POST", "/api/v1/backends/dns/2001%3Adb8%3A%3A53/drain", "");

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(api.appliance.calls().contains("setAdminState dns 2001:db8::53 DRAINING"));
    }

    @Test
    void weightSetsTheBackendsWeight()
    {
        final HttpResponse<String> response = api.send("PUT", "/api/v1/backends/web/10.0.0.2/weight",
            "{\"weight\": 250}");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(250, api.json(response).get("weight").asInt());
        assertTrue(api.appliance.calls().contains("setWeight web 10.0.0.2 250"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET    | /api/v1/status             |",
        "GET    | /api/v1/upgrade            |",
        "POST   | /api/v1/upgrade            | not an upgrade file",
        "POST   | /api/v1/health             |",
        "GET    | /api/v1/backends           |",
        "GET    | /api/v1/config             |",
        "GET    | /metrics                   |",
        "POST   | /api/v1/backends/web/10.0.0.1/drain   |",
        "POST   | /api/v1/backends/web/10.0.0.1/disable |",
        "PUT    | /api/v1/backends/web/10.0.0.1/weight  | {\"weight\": 0}",
        "POST   | /api/v1/config/reload      |",
        "POST   | /api/v1/config/validate    | services: []",
        "DELETE | /api/v1/nothing            |"})
    void withoutATokenOrWithAWrongOneTheAnswerIs401AndNothingIsAsked(final String method, final String path,
        final String body)
    {
        for (final String authorization : new String[] {null, "Bearer wrong-token", "Bearer " + ApiServerFixture.TOKEN
            + "x", "Bearer " + ApiServerFixture.TOKEN.substring(1), "Basic " + ApiServerFixture.TOKEN, "Bearer ",
            ApiServerFixture.TOKEN})
        {
            final HttpResponse<String> response = api.send(method, path, body, authorization);

            assertEquals(401, response.statusCode(), authorization);
            assertTrue(response.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Bearer"));
            assertEquals("unauthorized", api.json(response).get("error").asText());
        }
        assertEquals(List.of(), api.appliance.calls());
    }

    @Test
    void everyConfiguredTokenIsAccepted()
    {
        assertEquals(200, api.send("GET", "/api/v1/status", null, "Bearer " + ApiServerFixture.SECOND_TOKEN)
            .statusCode());
        assertEquals(200, api.send("GET", "/api/v1/status", null, "bearer " + ApiServerFixture.TOKEN).statusCode());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "POST | /api/v1/backends/web/10.0.0.9/drain  | no such backend: pool 'web' has no backend 10.0.0.9",
        "POST | /api/v1/backends/nope/10.0.0.1/drain | no such backend: there is no pool 'nope'",
        "PUT  | /api/v1/backends/web/10.0.0.9/weight | no such backend: pool 'web' has no backend 10.0.0.9",
        "POST | /api/v1/backends/web/10.0.0.1/explode | no such backend action: explode (enable, drain, disable, weight)",
        "GET  | /api/v1/nothing                      | no such resource: /api/v1/nothing",
        "GET  | /favicon.ico                         | no such resource: /favicon.ico (the API is under /api/v1/)"})
    void anUnknownBackendOrResourceIs404WithAClearMessageAndChangesNothing(final String method, final String path,
        final String message)
    {
        final HttpResponse<String> response = api.send(method, path, "{\"weight\": 5}");

        assertEquals(404, response.statusCode());
        assertEquals(message, api.json(response).get("message").asText());
        assertTrue(api.appliance.calls().stream().noneMatch(call -> call.startsWith("set")),
            api.appliance.calls()::toString);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "not json",
        "{}",
        "{\"weight\": \"ten\"}",
        "{\"weight\": -1}",
        "{\"weight\": 65536}",
        "{\"weight\": 1.5}",
        "[250]"})
    void aWeightBodyThatIsNotAWeightIs400AndChangesNothing(final String body)
    {
        final HttpResponse<String> response = api.send("PUT", "/api/v1/backends/web/10.0.0.1/weight", body);

        assertEquals(400, response.statusCode(), body);
        assertEquals("the body must be {\"weight\": N} with N from 0 to 65535", api.json(response).get("message").asText());
        assertTrue(api.appliance.calls().isEmpty(), api.appliance.calls()::toString);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "POST   | /api/v1/status                       | GET",
        "DELETE | /api/v1/backends                     | GET",
        "GET    | /api/v1/backends/web/10.0.0.1/drain  | POST",
        "PUT    | /api/v1/backends/web/10.0.0.1/enable | POST",
        "POST   | /api/v1/backends/web/10.0.0.1/weight | PUT",
        "GET    | /api/v1/config/reload                | POST",
        "PUT    | /metrics                             | GET",
        "POST   | /                                    | GET"})
    void aWrongMethodIs405AndNamesTheRightOne(final String method, final String path, final String allowed)
    {
        final HttpResponse<String> response = api.send(method, path, "{}");

        assertEquals(405, response.statusCode());
        assertEquals(allowed, response.headers().firstValue("Allow").orElseThrow());
        assertEquals("method_not_allowed", api.json(response).get("error").asText());
        assertTrue(api.appliance.calls().isEmpty(), api.appliance.calls()::toString);
    }

    @Test
    void theStatusPageIsServedWithoutATokenAndHoldsNoData()
    {
        final HttpResponse<String> response = api.send("GET", "/", null, null);

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(response.body().contains("<title>Fulcrum status</title>"));
        assertEquals(List.of(), api.appliance.calls());
    }

    @Test
    void aSecondRequestOnTheSameConnectionIsAnswered()
    {
        // java.net.http keeps the connection alive: the second answer comes over the first one's connection.
        for (int i = 0; i < 3; i++)
        {
            assertEquals(200, api.get("/api/v1/health").statusCode());
        }
    }
}
