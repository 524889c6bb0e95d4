package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** docs/api/openapi.yaml describes what the server really answers: the same paths, the same fields. */
class OpenApiDocumentTest
{
    private static final Path DOCUMENT = Path.of("..", "docs", "api", "openapi.yaml");

    private final ApiServerFixture api = new ApiServerFixture();

    @AfterEach
    void stop()
    {
        api.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> document() throws IOException
    {
        return (Map<String, Object>)new Load(LoadSettings.builder().build()).loadFromString(Files.readString(DOCUMENT));
    }

    @SuppressWarnings("unchecked")
    private static Set<String> properties(final Map<String, Object> document, final String... path)
    {
        Map<String, Object> node = (Map<String, Object>)((Map<String, Object>)document.get("components")).get("schemas");
        for (final String step : path)
        {
            node = (Map<String, Object>)node.get(step);
        }
        return new TreeSet<>(((Map<String, Object>)node.get("properties")).keySet());
    }

    private static Set<String> fields(final JsonNode node)
    {
        final Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void everyServedPathIsDocumentedAndNothingElse() throws IOException
    {
        final List<String> documented = new ArrayList<>(((Map<?, ?>)document().get("paths")).keySet().stream()
            .map(Object::toString).toList());

        assertEquals(List.of("/api/v1/health", "/api/v1/status", "/api/v1/services", "/api/v1/backends",
            "/api/v1/counters", "/api/v1/vrrp", "/api/v1/config", "/api/v1/config/validate", "/api/v1/config/reload",
            "/api/v1/backends/{pool}/{address}/enable", "/api/v1/backends/{pool}/{address}/drain",
            "/api/v1/backends/{pool}/{address}/disable", "/api/v1/backends/{pool}/{address}/weight", "/api/v1/upgrade", "/metrics", "/"),
            documented);
    }

    @Test
    void theSchemasNameExactlyTheFieldsTheServerWrites() throws IOException
    {
        final Map<String, Object> document = document();
        final JsonNode status = api.json(api.get("/api/v1/status"));
        final JsonNode service = api.json(api.get("/api/v1/services")).get(0);
        final JsonNode backend = service.get("backends").get(0);
        final JsonNode counters = api.json(api.get("/api/v1/counters"));

        assertEquals(properties(document, "Health"), fields(api.json(api.get("/api/v1/health"))));
        assertEquals(properties(document, "Status"), fields(status));
        assertEquals(properties(document, "Vrrp"), fields(status.get("vrrp").get(0)));
        assertEquals(properties(document, "Sync"), fields(status.get("sync")));
        assertEquals(properties(document, "Service"), fields(service));
        assertEquals(properties(document, "Backend"), fields(backend));
        assertEquals(properties(document, "HealthResult"), fields(backend.get("history").get(0)));
        assertEquals(properties(document, "Counters"), fields(counters));
        assertEquals(properties(document, "Counters", "properties", "totals"), fields(counters.get("totals")));
        assertEquals(properties(document, "CounterRow"), fields(counters.get("rows").get(0)));
        assertEquals(properties(document, "ReloadResult"),
            fields(api.json(api.send("POST", "/api/v1/config/reload", ""))));
        assertEquals(properties(document, "Error"), fields(api.json(api.get("/api/v1/nothing"))));
        assertEquals(properties(document, "UpgradeStatus"), fields(api.json(api.get("/api/v1/upgrade"))));
    }
}
