package io.fulcrum.dataplane.port.afxdp;

/**
 * AF_XDP cannot be used here: the kernel lacks it, the process lacks the privilege, or the interface refuses the
 * socket or program. The caller may fall back to AF_PACKET; the message says which step failed and errno.
 */
public final class AfXdpUnavailableException extends RuntimeException
{
    private final int errno;

    public AfXdpUnavailableException(final String message, final int errno, final Throwable cause)
    {
        super(message, cause);
        this.errno = errno;
    }

    /** The errno of the failed call, or 0 when none applies. */
    public int errno()
    {
        return errno;
    }
}
