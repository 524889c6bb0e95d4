package io.fulcrum.controlplane.cli.ctl;

import picocli.CommandLine.Command;

/** {@code fulcrum ctl disable POOL ADDRESS}. */
@Command(name = "disable", description = "No traffic at all to a backend; its flows move to other backends.")
public final class DisableCommand extends AdminAction
{
    @Override
    String verb()
    {
        return "disable";
    }
}
