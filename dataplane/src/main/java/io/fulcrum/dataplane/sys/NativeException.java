package io.fulcrum.dataplane.sys;

/** A system call failed: carries the call's name and errno, and says both in its message. */
public final class NativeException extends RuntimeException
{
    private final int errno;

    public NativeException(final String call, final int errno)
    {
        super(call + ": " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno()
    {
        return errno;
    }
}
