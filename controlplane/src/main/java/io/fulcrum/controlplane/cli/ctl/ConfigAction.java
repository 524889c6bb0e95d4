package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;
import java.io.PrintWriter;

import com.fasterxml.jackson.databind.JsonNode;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.cli.ExitCodes;

/** reload and validate: the answer is a ReloadResult; problems go to stderr and exit 1, with or without --json. */
abstract class ConfigAction extends CtlAction
{
    @Override
    int print(final ApiClient client, final JsonNode result, final PrintWriter out, final PrintWriter err)
    {
        if (result.path("ok").asBoolean())
        {
            out.println(result.path("summary").asText());
            return ExitCodes.OK;
        }
        for (final JsonNode problem : result.path("problems"))
        {
            err.println(problem.asText());
        }
        err.println(result.path("summary").asText());
        return ExitCodes.INVALID_INPUT;
    }

    @Override
    int jsonExitCode(final ApiClient.Response response)
    {
        try
        {
            return mapper.readTree(response.body()).path("ok").asBoolean() ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
        }
        catch (final IOException e)
        {
            return ExitCodes.INVALID_INPUT;
        }
    }
}
