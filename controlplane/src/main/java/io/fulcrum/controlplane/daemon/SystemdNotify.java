package io.fulcrum.controlplane.daemon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.fulcrum.dataplane.sys.Libc;

/**
 * The sd_notify(3) protocol without libsystemd: one datagram per state change ({@code READY=1}, {@code WATCHDOG=1},
 * {@code STOPPING=1}, {@code STATUS=...}) on the AF_UNIX datagram socket systemd names in {@code $NOTIFY_SOCKET}.
 * Java's channels speak AF_UNIX only as streams (SocketChannel, JEP 380), so the socket is made through FFM. A name
 * starting with {@code @} is in the abstract namespace (a leading NUL byte instead of a path). Failures to send are
 * reported by the return value, never thrown: the daemon runs just as well without systemd.
 */
public final class SystemdNotify implements AutoCloseable
{
    /** include/linux/socket.h */
    private static final int AF_UNIX = 1;
    /** include/linux/net.h, include/asm-generic/fcntl.h (O_CLOEXEC) */
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** include/linux/socket.h: no SIGPIPE if systemd went away. */
    private static final int MSG_NOSIGNAL = 0x4000;
    /** include/uapi/linux/un.h: sa_family_t sun_family; char sun_path[108]. */
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_MAX = 108;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment address;
    private final int addressLength;
    private final MemorySegment capture = Libc.errnoSegment(arena);
    private final String socket;
    private int fd;

    private SystemdNotify(final String socket)
    {
        final byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        final boolean abstractName = path[0] == '@';
        if (path.length > SUN_PATH_MAX - (abstractName ? 0 : 1))
        {
            throw new IllegalArgumentException("NOTIFY_SOCKET is longer than sun_path: " + socket);
        }
        this.socket = socket;
        address = arena.allocate(SUN_PATH_OFFSET + SUN_PATH_MAX);
        address.set(ValueLayout.JAVA_SHORT, 0, (short)AF_UNIX);
        MemorySegment.copy(path, 0, address, ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, path.length);
        if (abstractName)
        {
            address.set(ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, (byte)0);
            addressLength = SUN_PATH_OFFSET + path.length; // the abstract name is exactly these bytes, no NUL
        }
        else
        {
            addressLength = SUN_PATH_OFFSET + path.length + 1;
        }
        fd = Libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }

    /** A client of {@code socket} (a path, or {@code @name} for the abstract namespace). */
    public static SystemdNotify to(final String socket)
    {
        if (socket == null || socket.isEmpty())
        {
            throw new IllegalArgumentException("no notification socket");
        }
        return new SystemdNotify(socket);
    }

    /** The client systemd asked for with {@code $NOTIFY_SOCKET} (Type=notify), or null when not run that way. */
    public static SystemdNotify fromEnvironment()
    {
        final String socket = System.getenv("NOTIFY_SOCKET");
        return socket == null || socket.isEmpty() ? null : to(socket);
    }

    /**
     * The watchdog interval systemd expects pings within ({@code $WATCHDOG_USEC}, WatchdogSec= of the unit), or null
     * when there is none or it is meant for another process ({@code $WATCHDOG_PID}).
     */
    public static Duration watchdogInterval(final String usec, final String pid)
    {
        if (usec == null || usec.isEmpty())
        {
            return null;
        }
        if (pid != null && !pid.isEmpty() && !pid.equals(Long.toString(ProcessHandle.current().pid())))
        {
            return null;
        }
        try
        {
            final long micros = Long.parseLong(usec);
            return micros > 0 ? Duration.ofNanos(micros * 1000) : null;
        }
        catch (final NumberFormatException e)
        {
            return null;
        }
    }

    public static Duration watchdogIntervalFromEnvironment()
    {
        return watchdogInterval(System.getenv("WATCHDOG_USEC"), System.getenv("WATCHDOG_PID"));
    }

    /** Sends one notification ({@code KEY=VALUE} lines); false when the socket refused it (errno in the message). */
    public synchronized boolean send(final String state)
    {
        if (fd < 0)
        {
            return false;
        }
        try (Arena call = Arena.ofConfined())
        {
            final byte[] bytes = state.getBytes(StandardCharsets.UTF_8);
            final MemorySegment message = call.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, message, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return Libc.sendto(capture, fd, message, bytes.length, MSG_NOSIGNAL, address, addressLength)
                == bytes.length;
        }
    }

    public String socket()
    {
        return socket;
    }

    @Override
    public synchronized void close()
    {
        if (fd >= 0)
        {
            Libc.close(fd);
            fd = -1;
            arena.close();
        }
    }
}
