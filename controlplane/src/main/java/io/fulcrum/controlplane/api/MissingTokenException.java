package io.fulcrum.controlplane.api;

/** No bearer token where {@link ApiClient#token} looks, or a token file that cannot be read or holds none. */
public final class MissingTokenException extends Exception
{
    public MissingTokenException(final String message)
    {
        super(message, null, false, false);
    }
}
