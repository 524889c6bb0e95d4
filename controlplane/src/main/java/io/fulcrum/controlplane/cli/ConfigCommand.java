package io.fulcrum.controlplane.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fulcrum config}: work with configuration files without touching the data plane. */
@Command(
    name = "config",
    description = "Check configuration files.",
    subcommands = {ConfigCheckCommand.class})
final class ConfigCommand implements Runnable
{
    @Spec
    private CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " +
            String.join(", ", spec.subcommands().keySet()));
    }
}
