package io.fulcrum.controlplane.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fulcrum upgrade FILE | --status} on the appliance: writes a new root file system into the inactive slot,
 * verifies it, boots it once and keeps it only if it reports healthy (the image's {@code fulcrum-upgrade}). The
 * options are {@code fulcrum-upgrade}'s own, declared here so that {@code --help} shows them; they are passed on.
 */
@Command(name = "upgrade", description = "On the appliance: install FILE (a fulcrum-VERSION.rootfs.zst) into the "
    + "standby slot and boot it on trial, falling back by itself if it is not healthy; --status shows both slots.")
public final class UpgradeCommand implements Callable<Integer>
{
    static final Path PROGRAM = Path.of("/usr/sbin/fulcrum-upgrade");

    @Spec
    private CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Target target;

    static final class Target
    {
        @Parameters(paramLabel = "FILE", description = "The upgrade file (or a whole fulcrum-VERSION.raw[.zst] image);"
            + " FILE.sha256 beside it, and FILE.sig when the appliance trusts a signing key.")
        Path file;

        @Option(names = "--status", description = "Show both root slots: version, boot entry and state.")
        boolean status;
    }

    @Option(names = "--sha256", paramLabel = "HEX", description = "FILE's sha256 (default: read from FILE.sha256).")
    private String sha256;

    @Option(names = "--tries", paramLabel = "N",
        description = "Boots the new slot may fail before the previous one starts again, 1 to 9 (default: 3).")
    private Integer tries;

    @Option(names = "--no-reboot", description = "Write and check the slot, but reboot later yourself.")
    private boolean noReboot;

    @Option(names = "--force", description = "Install even a version that failed here before, or while on trial.")
    private boolean force;

    @Override
    public Integer call() throws Exception
    {
        if (!ExternalProgram.runnable(PROGRAM))
        {
            spec.commandLine().getErr().println("fulcrum upgrade: this is not a Fulcrum appliance (" + PROGRAM
                + " is missing): upgrades run on a machine flashed with the image (see docs/operations.md)");
            return ExitCodes.NOT_AVAILABLE;
        }
        return ExternalProgram.run(PROGRAM, arguments()) == 0 ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
    }

    /** The command line for {@code fulcrum-upgrade}: its options, then FILE (or {@code --status} alone). */
    List<String> arguments()
    {
        final List<String> arguments = new ArrayList<>();
        if (target.status)
        {
            arguments.add("--status");
            return arguments;
        }
        if (sha256 != null)
        {
            arguments.addAll(List.of("--sha256", sha256));
        }
        if (tries != null)
        {
            arguments.addAll(List.of("--tries", tries.toString()));
        }
        if (noReboot)
        {
            arguments.add("--no-reboot");
        }
        if (force)
        {
            arguments.add("--force");
        }
        arguments.add(target.file.toString());
        return arguments;
    }
}
