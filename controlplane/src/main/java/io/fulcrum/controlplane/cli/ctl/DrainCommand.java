package io.fulcrum.controlplane.cli.ctl;

import picocli.CommandLine.Command;

/** {@code fulcrum ctl drain POOL ADDRESS}. */
@Command(name = "drain", description = "No new flows to a backend; its established flows stay until they end.")
public final class DrainCommand extends AdminAction
{
    @Override
    String verb()
    {
        return "drain";
    }
}
