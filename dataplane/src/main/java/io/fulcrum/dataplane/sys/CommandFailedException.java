package io.fulcrum.dataplane.sys;

/** An external command that could not be started, exited non-zero or ran over its limit; the message names it. */
public final class CommandFailedException extends IllegalStateException
{
    public CommandFailedException(final String message)
    {
        super(message);
    }
}
