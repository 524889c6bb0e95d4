package io.fulcrum.controlplane.cli;

import picocli.CommandLine.Command;

/** {@code fulcrum ctl}: not built yet; answers with exit code 3 and the issue that brings it. */
@Command(name = "ctl", description = "Talk to a running daemon: services, backends, drain, counters. (Not available yet.)")
final class CtlCommand extends NotAvailableCommand
{
    @Override
    String whatIsMissing()
    {
        return "the control API of the running daemon is not available yet (issue #4: control API)";
    }
}
