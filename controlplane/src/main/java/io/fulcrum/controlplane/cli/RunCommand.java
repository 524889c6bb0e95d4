package io.fulcrum.controlplane.cli;

import picocli.CommandLine.Command;

/** {@code fulcrum run}: not built yet; answers with exit code 3 and the issue that brings it. */
@Command(name = "run", description = "Run the load balancer on live interfaces. (Not available yet.)")
final class RunCommand extends NotAvailableCommand
{
    @Override
    String whatIsMissing()
    {
        return "the live data plane is not available yet (issue #3: kernel-bypass packet I/O)";
    }
}
