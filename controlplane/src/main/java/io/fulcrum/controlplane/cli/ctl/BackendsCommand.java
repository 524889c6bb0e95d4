package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;
import java.io.PrintWriter;

import com.fasterxml.jackson.databind.JsonNode;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.cli.ExitCodes;
import picocli.CommandLine.Command;

/** {@code fulcrum ctl backends}: one table row per backend, with its last health check. */
@Command(name = "backends", description = "Every backend: weight, health, admin and effective state, counters.")
public final class BackendsCommand extends CtlAction
{
    @Override
    ApiClient.Response send(final ApiClient client) throws IOException
    {
        return client.get("/api/v1/backends");
    }

    @Override
    int print(final ApiClient client, final JsonNode backends, final PrintWriter out, final PrintWriter err)
    {
        final TextTable table = new TextTable("POOL", "BACKEND", "WEIGHT", "HEALTH", "ADMIN", "EFFECTIVE",
            "PACKETS", "NEW FLOWS", "PROXIED", "LATENCY", "LAST CHECK");
        for (final JsonNode backend : backends)
        {
            table.row(backend.path("pool").asText(), backend.path("address").asText(),
                backend.path("weight").asText(), backend.path("health").asText(), backend.path("admin").asText(),
                backend.path("effective").asText(), backend.path("packets").asText(),
                backend.path("newFlows").asText(), proxied(backend), latency(backend),
                lastCheck(backend.path("history")));
        }
        table.print(out);
        return ExitCodes.OK;
    }

    /** Open proxied connections or requests, and whether passive health ejected the backend. */
    private static String proxied(final JsonNode backend)
    {
        return backend.path("active").asText("0") + (backend.path("ejected").asBoolean() ? " ejected" : "");
    }

    private static String latency(final JsonNode backend)
    {
        final double millis = backend.path("latencyMs").asDouble();
        return millis == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f ms", millis);
    }

    private static String lastCheck(final JsonNode history)
    {
        if (history.isEmpty())
        {
            return "-";
        }
        final JsonNode last = history.get(history.size() - 1);
        final String detail = last.path("detail").asText("");
        return (last.path("ok").asBoolean() ? "ok" : "failed") + " " + last.path("millis").asLong() + " ms"
            + (detail.isEmpty() ? "" : ": " + detail);
    }
}
