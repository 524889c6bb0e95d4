package io.fulcrum.controlplane.cli.ctl;

/** Ends a {@code fulcrum ctl} sub-command with an exit code and a message on stderr. */
public final class CtlFailure extends Exception
{
    private final int exitCode;

    public CtlFailure(final int exitCode, final String message)
    {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode()
    {
        return exitCode;
    }
}
