package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;

import io.fulcrum.controlplane.api.ApiClient;
import picocli.CommandLine.Command;

/** {@code fulcrum ctl reload}: the daemon reloads its own file. */
@Command(name = "reload", description = "Reload the daemon's configuration file (a bad file changes nothing).")
public final class ReloadCommand extends ConfigAction
{
    @Override
    ApiClient.Response send(final ApiClient client) throws IOException
    {
        return client.post("/api/v1/config/reload", "", "application/json");
    }
}
