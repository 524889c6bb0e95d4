package io.fulcrum.controlplane.cli.ctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code fulcrum ctl validate FILE}: sends a local file to the daemon, which checks it as a reload would. */
@Command(name = "validate", description = "Have the daemon validate a configuration file without applying it.")
public final class ValidateCommand extends ConfigAction
{
    @Parameters(index = "0", paramLabel = "FILE", description = "The configuration file to check.")
    Path file;

    @Override
    ApiClient.Response send(final ApiClient client) throws IOException, CtlFailure
    {
        final String yaml;
        try
        {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException e)
        {
            throw new CtlFailure(ExitCodes.INVALID_INPUT, file + ": cannot read the file: it does not exist");
        }
        catch (final IOException e)
        {
            throw new CtlFailure(ExitCodes.INVALID_INPUT, file + ": cannot read the file: " + ApiClient.describe(e));
        }
        return client.post("/api/v1/config/validate", yaml, "application/yaml");
    }
}
