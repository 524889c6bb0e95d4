package io.fulcrum.controlplane.cli;

import io.fulcrum.controlplane.config.CheckedConfig;
import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.ConfigProblem;
import io.fulcrum.controlplane.config.ConfigWarning;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.ServiceModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code fulcrum config check FILE...}: loads each file exactly as the daemon and replay would, prints
 * {@code FILE: OK (N services, M backends)} or every problem as {@code FILE:LINE:COL: FIELD: MESSAGE}. A valid file's
 * warnings ({@code FILE:LINE:COL: warning: MESSAGE}, on stderr) leave it valid and the exit code 0.
 */
@Command(
    name = "check",
    description = "Validate configuration files; print every problem as FILE:LINE:COL: FIELD: MESSAGE and every "
        + "warning as FILE:LINE:COL: warning: MESSAGE.")
final class ConfigCheckCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Fulcrum YAML configuration files.")
    private List<Path> files;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        int exitCode = ExitCodes.OK;
        for (final Path file : files)
        {
            try
            {
                final CheckedConfig checked = ConfigLoader.check(file);
                final FulcrumConfig config = checked.config();
                // Build the data plane's model too: "OK" means the daemon would accept it, not only the parser.
                ServiceModel.services(config);
                for (final ConfigWarning warning : checked.warnings())
                {
                    err.println(warning);
                }
                out.println(file + ": OK (" + count(config.services().size(), "service") + ", " +
                    count(config.backendCount(), "backend") + ")");
            }
            catch (final ConfigException e)
            {
                for (final ConfigProblem problem : e.problems())
                {
                    err.println(problem);
                }
                exitCode = ExitCodes.INVALID_INPUT;
            }
            catch (final IllegalArgumentException e)
            {
                err.println(file + ": " + e.getMessage());
                exitCode = ExitCodes.INVALID_INPUT;
            }
        }
        out.flush();
        err.flush();
        return exitCode;
    }

    private static String count(final int n, final String noun)
    {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
