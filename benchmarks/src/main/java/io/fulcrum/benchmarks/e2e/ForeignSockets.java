package io.fulcrum.benchmarks.e2e;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;

import io.fulcrum.dataplane.sys.Libc;

/**
 * Reaches into another process's sockets: pidfd_getfd(2) (Linux 5.6) duplicates a socket into this process, and a
 * socket option set or read on the duplicate is the one socket both descriptors refer to. Used to enlarge trafgen's
 * send buffer (it exits on the first EAGAIN from its TX ring, and the core socket memory sysctls it would raise are
 * read-only inside a network namespace) and to read the drop statistics of Fulcrum's AF_XDP sockets.
 */
final class ForeignSockets
{
    /* asm/unistd_64.h */
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;
    /* asm-generic/socket.h */
    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDBUFFORCE = 32;
    /* linux/if_xdp.h */
    private static final int SOL_XDP = 283;
    private static final int XDP_STATISTICS = 7;
    /** struct xdp_statistics: rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full,
     *  rx_fill_ring_empty_descs, tx_ring_empty_descs, all __u64. */
    static final int XDP_STATISTICS_FIELDS = 6;

    private ForeignSockets()
    {
    }

    /** struct xdp_statistics summed over the AF_XDP sockets {@code pid} holds (zeros when it holds none). */
    static long[] xdpStatistics(final long pid)
    {
        final long[] sum = new long[XDP_STATISTICS_FIELDS];
        forEachSocket(pid, fd ->
        {
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment stats = arena.allocate(8L * XDP_STATISTICS_FIELDS, 8);
                Libc.getsockopt(fd, SOL_XDP, XDP_STATISTICS, stats, "XDP_STATISTICS");
                for (int i = 0; i < XDP_STATISTICS_FIELDS; i++)
                {
                    sum[i] += stats.getAtIndex(ValueLayout.JAVA_LONG, i);
                }
            }
            catch (final RuntimeException e)
            {
                // not an AF_XDP socket
            }
        });
        return sum;
    }

    /** Sets SO_SNDBUFFORCE to {@code bytes} on every socket {@code pid} holds; returns how many it changed. */
    static int enlargeSendBuffer(final long pid, final int bytes)
    {
        final int[] changed = new int[1];
        forEachSocket(pid, fd ->
        {
            Libc.setsockoptInt(fd, SOL_SOCKET, SO_SNDBUFFORCE, bytes, "SO_SNDBUFFORCE");
            changed[0]++;
        });
        return changed[0];
    }

    /** Runs {@code action} on a duplicate of each socket {@code pid} holds, closing the duplicate afterwards. */
    private static void forEachSocket(final long pid, final IntConsumer action)
    {
        final long pidfd = Libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0, 0, 0);
        if (pidfd < 0)
        {
            return; // gone already
        }
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
                    action.accept((int)local);
                }
                finally
                {
                    Libc.close((int)local);
                }
            }
        }
        catch (final IOException e)
        {
            // the process exited while we looked
        }
        finally
        {
            Libc.close((int)pidfd);
        }
    }
}
