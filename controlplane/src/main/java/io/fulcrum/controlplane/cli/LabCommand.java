package io.fulcrum.controlplane.cli;

import picocli.CommandLine.Command;

/** {@code fulcrum lab}: not built yet; answers with exit code 3 and the issue that brings it. */
@Command(name = "lab", description = "Start a network-namespace lab with clients, the balancer and backends. (Not available yet.)")
final class LabCommand extends NotAvailableCommand
{
    @Override
    String whatIsMissing()
    {
        return "the network-namespace lab is not available yet (issue #3: kernel-bypass packet I/O)";
    }
}
