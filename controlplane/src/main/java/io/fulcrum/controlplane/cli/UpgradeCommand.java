package io.fulcrum.controlplane.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code fulcrum upgrade FILE | --status} on the appliance: writes a new root file system into the inactive slot,
 * verifies it, boots it once and keeps it only if it reports healthy (the image's {@code fulcrum-upgrade}).
 */
@Command(name = "upgrade", description = "On the appliance: install FILE (a fulcrum-VERSION.rootfs.zst) into the "
    + "standby slot and boot it on trial, falling back by itself if it is not healthy; --status shows both slots.")
public final class UpgradeCommand implements Callable<Integer>
{
    static final Path PROGRAM = Path.of("/usr/sbin/fulcrum-upgrade");

    @Spec
    private CommandSpec spec;

    @Unmatched
    private List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() throws Exception
    {
        if (!ExternalProgram.runnable(PROGRAM))
        {
            spec.commandLine().getErr().println("fulcrum upgrade: this is not a Fulcrum appliance (" + PROGRAM
                + " is missing): upgrades run on a machine flashed with the image (see docs/operations.md)");
            return ExitCodes.NOT_AVAILABLE;
        }
        return ExternalProgram.run(PROGRAM, arguments) == 0 ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
    }
}
