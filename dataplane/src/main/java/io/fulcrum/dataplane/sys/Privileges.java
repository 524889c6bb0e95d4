package io.fulcrum.dataplane.sys;

/** What the process may do: raw sockets and BPF need root (or CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF). */
public final class Privileges
{
    private Privileges()
    {
    }

    public static boolean isRoot()
    {
        return Libc.geteuid() == 0;
    }
}
