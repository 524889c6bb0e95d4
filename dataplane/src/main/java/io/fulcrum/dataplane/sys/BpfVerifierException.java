package io.fulcrum.dataplane.sys;

/** The kernel refused to load a BPF program: carries errno and the verifier's log, and says both in its message. */
public final class BpfVerifierException extends RuntimeException
{
    private final int errno;
    private final String verifierLog;

    public BpfVerifierException(final String program, final int errno, final String verifierLog)
    {
        super("bpf(BPF_PROG_LOAD " + program + "): " + Libc.strerror(errno) + " (errno " + errno + ")\n"
            + "verifier log:\n" + verifierLog);
        this.errno = errno;
        this.verifierLog = verifierLog;
    }

    public int errno()
    {
        return errno;
    }

    public String verifierLog()
    {
        return verifierLog;
    }
}
