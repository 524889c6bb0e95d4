package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;
import java.io.PrintWriter;

import com.fasterxml.jackson.databind.JsonNode;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.cli.ExitCodes;
import picocli.CommandLine.Parameters;

/** enable, drain, disable (and weight): one request about a backend, then the backend as it is now. */
abstract class AdminAction extends CtlAction
{
    @Parameters(index = "0", paramLabel = "POOL", description = "The backend's pool.")
    String pool;

    @Parameters(index = "1", paramLabel = "ADDRESS", description = "The backend's address, as configured.")
    String address;

    /** The action's last path segment. */
    abstract String verb();

    /** {@code /api/v1/backends/POOL/ADDRESS/VERB}. */
    final String path()
    {
        return "/api/v1/backends/" + segment(pool) + "/" + segment(address) + "/" + verb();
    }

    @Override
    ApiClient.Response send(final ApiClient client) throws IOException
    {
        return client.post(path(), "", "application/json");
    }

    @Override
    int print(final ApiClient client, final JsonNode backend, final PrintWriter out, final PrintWriter err)
    {
        out.printf("%s %s: admin %s, weight %s, health %s, effective %s%n", backend.path("pool").asText(),
            backend.path("address").asText(), backend.path("admin").asText(), backend.path("weight").asText(),
            backend.path("health").asText(), backend.path("effective").asText());
        return ExitCodes.OK;
    }
}
