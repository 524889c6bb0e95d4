package io.fulcrum.controlplane.cli;

import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigProblem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;

/**
 * {@code fulcrum}: the one entry point for operators. Every user command is a subcommand here; command classes write
 * to {@code spec.commandLine().getOut()/getErr()} (never System.out) so tests can capture them, and return an
 * {@link ExitCodes} value. {@code lab} is the one command this jar does not hold: the lab is a development tool of the
 * source checkout (module {@code controlplane/lab}), whose jar passes its command to {@link #commandLine(Object)}.
 */
@Command(
    name = "fulcrum",
    description = "Fulcrum L4 load balancer: Maglev consistent hashing, direct server return, VRRP pairs.",
    mixinStandardHelpOptions = true,
    versionProvider = FulcrumVersion.class,
    scope = ScopeType.INHERIT, // subcommands get --help, --version and the exit code list too
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:ok",
        "1:invalid input or configuration",
        "2:usage error (unknown command or option, missing argument)",
        "3:not available here (upgrade off an appliance, lab on one)",
        "4:cannot reach the daemon (fulcrum ctl)",
        "5:unauthorized: the daemon refused the token (fulcrum ctl)"},
    subcommands = {
        ReplayCommand.class,
        StatCommand.class,
        ConfigCommand.class,
        RunCommand.class,
        CtlCommand.class,
        ImageCommand.class,
        UpgradeCommand.class})
public final class FulcrumCommand implements Runnable
{
    @Spec
    private CommandSpec spec;

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /**
     * The appliance's command line, whose {@code lab} only says where the lab is; tests call {@code execute} on it
     * with their own out and err writers.
     */
    public static CommandLine commandLine()
    {
        return commandLine(new NoLabCommand());
    }

    /** The command line with {@code lab} as its {@code lab} command (the lab module's jar passes the real one). */
    public static CommandLine commandLine(final Object lab)
    {
        // picocli's defaults are the documented codes: 2 on invalid input, 1 when a command throws.
        return new CommandLine(new FulcrumCommand())
            .addSubcommand("lab", lab)
            .addSubcommand(new CommandLine.HelpCommand())
            .setExecutionExceptionHandler(FulcrumCommand::handleExecutionException);
    }

    /**
     * A command that reads a configuration may just let {@link ConfigException} out of {@code call()}: its problems
     * go to stderr, one per line, and the exit code is 1, as for {@code config check}. Anything else is a bug: stack
     * trace, exit code 1.
     */
    private static int handleExecutionException(final Exception exception, final CommandLine commandLine,
        final CommandLine.ParseResult parseResult)
    {
        final PrintWriter err = commandLine.getErr();
        if (exception instanceof final ConfigException refused)
        {
            for (final ConfigProblem problem : refused.problems())
            {
                err.println(problem);
            }
        }
        else
        {
            exception.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.INVALID_INPUT;
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " +
            String.join(", ", spec.subcommands().entrySet().stream()
                .filter(command -> !command.getValue().getCommandSpec().usageMessage().hidden())
                .map(Map.Entry::getKey).toList()));
    }
}
