package io.fulcrum.controlplane.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * A command this build has a name for but cannot run yet. It takes any arguments, so that scripts written for a
 * later release get the "not available" answer (exit 3) rather than a usage error about an option.
 */
abstract class NotAvailableCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Unmatched
    private List<String> ignored;

    /** One line: what is missing, and which issue brings it. */
    abstract String whatIsMissing();

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println(spec.qualifiedName() + ": " + whatIsMissing());
        spec.commandLine().getErr().flush();
        return ExitCodes.NOT_AVAILABLE;
    }
}
