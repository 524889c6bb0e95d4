package io.fulcrum.controlplane.lab;

/** A lab step that could not be done, with a message meant for the person at the terminal. */
public final class LabException extends RuntimeException
{
    public LabException(final String message)
    {
        super(message);
    }

    public LabException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
