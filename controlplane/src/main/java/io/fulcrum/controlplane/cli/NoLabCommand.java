package io.fulcrum.controlplane.cli;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code fulcrum lab} in the appliance's jar, which holds what an appliance runs: the lab is a development tool of
 * the source checkout (module {@code controlplane/lab}), and {@code ./fulcrum} there runs the lab's jar, whose
 * {@code lab} is the real one. Hidden from the help: an appliance has no lab to offer.
 */
@Command(name = "lab", hidden = true,
    description = "The virtual lab: a development tool of the source checkout (./fulcrum lab), not in this jar.")
final class NoLabCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    /** Whatever was asked of the lab: the answer is the same. */
    @Unmatched
    private List<String> arguments;

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("fulcrum lab: the lab is a development tool of the source checkout and "
            + "is not in this jar, the appliance's: run ./fulcrum lab in a clone of Fulcrum (it builds and runs "
            + "controlplane/lab/target/fulcrum-lab.jar)");
        return ExitCodes.NOT_AVAILABLE;
    }
}
