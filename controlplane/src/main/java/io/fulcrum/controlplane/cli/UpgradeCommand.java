package io.fulcrum.controlplane.cli;

import picocli.CommandLine.Command;

/** {@code fulcrum upgrade}: not built yet; answers with exit code 3 and the issue that brings it. */
@Command(name = "upgrade", description = "Install a new image into the standby slot, with automatic rollback. (Not available yet.)")
final class UpgradeCommand extends NotAvailableCommand
{
    @Override
    String whatIsMissing()
    {
        return "A/B upgrades are not available yet (issue #7: appliance image)";
    }
}
