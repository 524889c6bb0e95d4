package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;

import io.fulcrum.controlplane.api.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code fulcrum ctl weight POOL ADDRESS N}: a PUT of the new weight. */
@Command(name = "weight", description = "Set a backend's weight (0 to 65535) until the next reload.")
public final class WeightCommand extends AdminAction
{
    @Parameters(index = "2", paramLabel = "N", description = "The new weight.")
    int weight;

    @Override
    String verb()
    {
        return "weight";
    }

    @Override
    ApiClient.Response send(final ApiClient client) throws IOException
    {
        return client.put(path(), "{\"weight\": " + weight + "}", "application/json");
    }
}
