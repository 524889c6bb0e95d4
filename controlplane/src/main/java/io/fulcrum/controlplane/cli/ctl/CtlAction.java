package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.cli.CtlCommand;
import io.fulcrum.controlplane.cli.ExitCodes;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every {@code fulcrum ctl} sub-command does: find the token, send one request, judge the answer, print it. */
abstract class CtlAction implements Callable<Integer>
{
    final ObjectMapper mapper = new ObjectMapper();

    @ParentCommand
    CtlCommand ctl;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        try
        {
            final ApiClient client = ctl.client(spec);
            final ApiClient.Response response = send(client);
            judge(response);
            if (ctl.json())
            {
                out.println(response.body().strip());
                out.flush();
                return jsonExitCode(response);
            }
            return print(client, mapper.readTree(response.body()), out, err);
        }
        catch (final CtlFailure failure)
        {
            err.println("fulcrum ctl " + spec.name() + ": " + failure.getMessage());
            return failure.exitCode();
        }
        catch (final IOException e)
        {
            err.println("fulcrum ctl " + spec.name() + ": cannot reach the daemon at " + ctl.url() + ": "
                + ApiClient.describe(e));
            return ExitCodes.CANNOT_REACH_DAEMON;
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }

    abstract ApiClient.Response send(ApiClient client) throws IOException, CtlFailure;

    /** Prints the answer for a person; returns the exit code. */
    abstract int print(ApiClient client, JsonNode body, PrintWriter out, PrintWriter err)
        throws IOException, CtlFailure;

    int jsonExitCode(final ApiClient.Response response)
    {
        return ExitCodes.OK;
    }

    /** Turns an error status into a CtlFailure with the API's own message. */
    final void judge(final ApiClient.Response response) throws CtlFailure
    {
        if (response.status() >= 200 && response.status() < 300)
        {
            return;
        }
        final String message = errorMessage(response);
        if (response.status() == 401)
        {
            throw new CtlFailure(ExitCodes.UNAUTHORIZED, "unauthorized: the daemon refused the token (" + message
                + ")");
        }
        throw new CtlFailure(ExitCodes.INVALID_INPUT, message + " (HTTP " + response.status() + ")");
    }

    private String errorMessage(final ApiClient.Response response)
    {
        try
        {
            final JsonNode node = mapper.readTree(response.body());
            if (node != null && node.hasNonNull("message"))
            {
                return node.get("message").asText();
            }
        }
        catch (final IOException e)
        {
            // Not the API's JSON (a proxy's page, say): show the start of whatever came back.
        }
        final String body = response.body().strip();
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }

    /** A value as one path segment (an IPv6 address's colons, a pool name's spaces). */
    static String segment(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
