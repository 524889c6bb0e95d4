package io.fulcrum.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.fulcrum.dataplane.sys.Libc;

/**
 * Enlarges the send buffer of another process's sockets: pidfd_getfd(2) (Linux 5.6) duplicates the socket into this
 * process, and SO_SNDBUFFORCE on the duplicate changes the one socket both descriptors refer to. trafgen exits on the
 * first EAGAIN from its TX ring (its socket's send buffer full of frames that receive packet steering queued on
 * another CPU), and the core socket memory sysctls it would raise are read-only inside a network namespace.
 */
final class SendBuffer
{
    /* asm/unistd_64.h */
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;
    /* asm-generic/socket.h */
    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDBUFFORCE = 32;

    private SendBuffer()
    {
    }

    /** Sets SO_SNDBUFFORCE to {@code bytes} on every socket {@code pid} holds; returns how many it changed. */
    static int enlarge(final long pid, final int bytes)
    {
        final long pidfd = Libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0, 0, 0);
        if (pidfd < 0)
        {
            return 0; // gone already
        }
        int changed = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd")))
        {
            for (final Path fd : fds)
            {
                final String target;
                try
                {
                    target = Files.readSymbolicLink(fd).toString();
                }
                catch (final IOException e)
                {
                    continue; // closed meanwhile
                }
                if (!target.startsWith("socket:"))
                {
                    continue;
                }
                final long local = Libc.syscall(SYS_PIDFD_GETFD, pidfd, Long.parseLong(fd.getFileName().toString()),
                    0, 0, 0, 0);
                if (local < 0)
                {
                    continue;
                }
                try
                {
                    Libc.setsockoptInt((int)local, SOL_SOCKET, SO_SNDBUFFORCE, bytes, "SO_SNDBUFFORCE");
                    changed++;
                }
                finally
                {
                    Libc.close((int)local);
                }
            }
        }
        catch (final IOException e)
        {
            return changed; // the process exited while we looked
        }
        finally
        {
            Libc.close((int)pidfd);
        }
        return changed;
    }
}
