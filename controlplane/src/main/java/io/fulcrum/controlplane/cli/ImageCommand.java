package io.fulcrum.controlplane.cli;

import picocli.CommandLine.Command;

/** {@code fulcrum image}: not built yet; answers with exit code 3 and the issue that brings it. */
@Command(name = "image", description = "Build the flashable appliance image. (Not available yet.)")
final class ImageCommand extends NotAvailableCommand
{
    @Override
    String whatIsMissing()
    {
        return "building the appliance image is not available yet (issue #7: appliance image)";
    }
}
