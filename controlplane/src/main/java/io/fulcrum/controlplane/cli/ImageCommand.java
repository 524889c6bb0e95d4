package io.fulcrum.controlplane.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code fulcrum image build [--version V] [--out DIR] ...}: builds the flashable appliance image with
 * {@code image/build.sh} (Debian 12 base by debootstrap, jlink runtime, A/B root slots); needs root.
 */
@Command(name = "image", description = "Build the flashable appliance image (image/target/fulcrum-VERSION.raw); "
    + "needs root. Options are image/build.sh's: --version V, --out DIR, --rootfs-only.")
public final class ImageCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "build", description = "The action: build.")
    private String action;

    @Unmatched
    private List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() throws Exception
    {
        if (!"build".equals(action))
        {
            spec.commandLine().getErr().println("fulcrum image: unknown action '" + action + "' (expected: build)");
            return ExitCodes.USAGE;
        }
        final Path script = ExternalProgram.home().resolve(Path.of("image", "build.sh"));
        if (!ExternalProgram.runnable(script))
        {
            spec.commandLine().getErr().println("fulcrum image build: " + script + " not found: run it from a "
                + "checkout of Fulcrum");
            return ExitCodes.INVALID_INPUT;
        }
        return ExternalProgram.run(script, arguments) == 0 ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
    }
}
