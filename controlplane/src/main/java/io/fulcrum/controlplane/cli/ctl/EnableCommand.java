package io.fulcrum.controlplane.cli.ctl;

import picocli.CommandLine.Command;

/** {@code fulcrum ctl enable POOL ADDRESS}. */
@Command(name = "enable", description = "Let a backend take traffic again while healthy.")
public final class EnableCommand extends AdminAction
{
    @Override
    String verb()
    {
        return "enable";
    }
}
