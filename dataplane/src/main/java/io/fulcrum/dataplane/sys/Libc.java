package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library functions Fulcrum calls, bound once through the Foreign Function & Memory API. Every binding
 * captures errno (FACTS: the capture segment is the leading argument; read it with the extra 0L offset coordinate).
 * The Linux ABI used across Fulcrum lives under this package and nowhere else.
 */
public final class Libc
{
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask) — sched.h */
    private static final MethodHandle SCHED_SETAFFINITY = downcall("sched_setaffinity",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    /** char *strerror(int errnum) — string.h */
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    /** sighandler_t signal(int signum, sighandler_t handler) — signal.h */
    private static final MethodHandle SIGNAL = LINKER.downcallHandle(LIBC.find("signal").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    /** SIGHUP from signal.h (Linux). */
    public static final int SIGHUP = 1;

    /** uid_t geteuid(void) — unistd.h */
    private static final MethodHandle GETEUID = LINKER.downcallHandle(LIBC.find("geteuid").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT));


    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

    /** int socket(int domain, int type, int protocol) — sys/socket.h */
    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(INT, INT, INT, INT));
    /** int bind(int fd, const struct sockaddr *addr, socklen_t len) */
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(INT, INT, PTR, INT));
    /** int setsockopt(int fd, int level, int name, const void *value, socklen_t len) */
    private static final MethodHandle SETSOCKOPT =
        downcall("setsockopt", FunctionDescriptor.of(INT, INT, INT, INT, PTR, INT));
    /** int getsockopt(int fd, int level, int name, void *value, socklen_t *len) */
    private static final MethodHandle GETSOCKOPT =
        downcall("getsockopt", FunctionDescriptor.of(INT, INT, INT, INT, PTR, PTR));
    /** ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen) */
    private static final MethodHandle SENDTO =
        downcall("sendto", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, INT));
    /** ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen) */
    private static final MethodHandle RECVFROM =
        downcall("recvfrom", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, PTR));
    /** int poll(struct pollfd *fds, nfds_t nfds, int timeout) — poll.h */
    private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(INT, PTR, LONG, INT));
    /** int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo_p, const sigset_t *sigmask) — poll.h */
    private static final MethodHandle PPOLL = downcall("ppoll", FunctionDescriptor.of(INT, PTR, LONG, PTR, PTR));
    /** int close(int fd) — unistd.h */
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(INT, INT));
    /** void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) — sys/mman.h */
    private static final MethodHandle MMAP =
        downcall("mmap", FunctionDescriptor.of(PTR, PTR, LONG, INT, INT, INT, LONG));
    /** int munmap(void *addr, size_t len) */
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(INT, PTR, LONG));
    /** unsigned int if_nametoindex(const char *ifname) — net/if.h */
    private static final MethodHandle IF_NAMETOINDEX = downcall("if_nametoindex", FunctionDescriptor.of(INT, PTR));
    /** long syscall(long number, ...) — variadic after the number (FACTS: firstVariadicArg(1), all longs) */
    private static final MethodHandle SYSCALL6 = LINKER.downcallHandle(LIBC.find("syscall").orElseThrow(),
        FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG),
        CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));

    /** MAP_FAILED from sys/mman.h. */
    public static final long MAP_FAILED = -1L;

    private Libc()
    {
    }

    static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(
            () -> new UnsatisfiedLinkError("libc has no " + name)), descriptor, CAPTURE_ERRNO);
    }

    public static MemorySegment errnoSegment(final Arena arena)
    {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    public static int errno(final MemorySegment capture)
    {
        return (int)ERRNO.get(capture, 0L);
    }

    public static String strerror(final int errno)
    {
        try
        {
            final MemorySegment message = (MemorySegment)STRERROR.invokeExact(errno);
            return message.reinterpret(256).getString(0);
        }
        catch (final Throwable t)
        {
            return "errno " + errno;
        }
    }

    /** Pins the calling thread to the CPUs set in {@code mask} (a cpu_set_t). Throws with errno's text on failure. */
    public static void schedSetaffinity(final MemorySegment mask)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            final int rc = (int)SCHED_SETAFFINITY.invokeExact(capture, 0, mask.byteSize(), mask);
            if (rc != 0)
            {
                final int errno = errno(capture);
                throw new NativeException("sched_setaffinity", errno);
            }
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sched_setaffinity failed", t);
        }
    }

    /**
     * Gives {@code signal} its default action again and returns whether it was ignored before. A process started with
     * a signal ignored (under {@code nohup}, SIGHUP) keeps it ignored, and the JVM then never installs a handler for
     * it ({@code sun.misc.Signal.handle} returns {@code SIG_IGN} and its handler never runs).
     */
    public static boolean restoreDefaultAction(final int signal)
    {
        try
        {
            final MemorySegment previous = (MemorySegment)SIGNAL.invokeExact(signal, MemorySegment.NULL);
            return previous.address() == 1L; // SIG_IGN is (sighandler_t)1
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("signal failed", t);
        }
    }

    public static int geteuid()
    {
        try
        {
            return (int)GETEUID.invokeExact();
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("geteuid failed", t);
        }
    }

    private static NativeException failure(final String call, final MemorySegment capture)
    {
        return new NativeException(call, errno(capture));
    }

    private static IllegalStateException unexpected(final String call, final Throwable t)
    {
        return new IllegalStateException(call + " could not be called", t);
    }

    /** socket(2); throws {@link NativeException} with errno on failure. */
    public static int socket(final int domain, final int type, final int protocol)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            final int fd = (int)SOCKET.invokeExact(capture, domain, type, protocol);
            if (fd < 0)
            {
                throw failure("socket", capture);
            }
            return fd;
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw unexpected("socket", t);
        }
    }

    public static void bind(final int fd, final MemorySegment address)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            if ((int)BIND.invokeExact(capture, fd, address, (int)address.byteSize()) != 0)
            {
                throw failure("bind", capture);
            }
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw unexpected("bind", t);
        }
    }

    /** setsockopt(2) with the option value in {@code value}; {@code name} is used in the error message. */
    public static void setsockopt(final int fd, final int level, final int option, final MemorySegment value,
        final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            if ((int)SETSOCKOPT.invokeExact(capture, fd, level, option, value, (int)value.byteSize()) != 0)
            {
                throw failure("setsockopt(" + name + ")", capture);
            }
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw unexpected("setsockopt", t);
        }
    }

    public static void setsockoptInt(final int fd, final int level, final int option, final int value,
        final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            setsockopt(fd, level, option, arena.allocateFrom(ValueLayout.JAVA_INT, value), name);
        }
    }

    /** getsockopt(2) into {@code value}; returns the length the kernel wrote. */
    public static int getsockopt(final int fd, final int level, final int option, final MemorySegment value,
        final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            final MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, (int)value.byteSize());
            if ((int)GETSOCKOPT.invokeExact(capture, fd, level, option, value, length) != 0)
            {
                throw failure("getsockopt(" + name + ")", capture);
            }
            return length.get(ValueLayout.JAVA_INT, 0);
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw unexpected("getsockopt", t);
        }
    }

    /**
     * sendto(2) without raising on failure: returns the byte count, or minus errno (EAGAIN and ENOBUFS are normal
     * back-pressure on a busy ring). {@code capture} is a caller-owned errno segment, so this allocates nothing.
     */
    public static long sendto(final MemorySegment capture, final int fd, final MemorySegment buffer, final long length,
        final int flags, final MemorySegment to, final int toLength)
    {
        try
        {
            final long rc = (long)SENDTO.invokeExact(capture, fd, buffer, length, flags, to, toLength);
            return rc >= 0 ? rc : -errno(capture);
        }
        catch (final Throwable t)
        {
            throw unexpected("sendto", t);
        }
    }

    /** recvfrom(2) without raising: the byte count, or minus errno. {@code from} and {@code fromLength} may be NULL. */
    public static long recvfrom(final MemorySegment capture, final int fd, final MemorySegment buffer,
        final long length, final int flags, final MemorySegment from, final MemorySegment fromLength)
    {
        try
        {
            final long rc = (long)RECVFROM.invokeExact(capture, fd, buffer, length, flags, from, fromLength);
            return rc >= 0 ? rc : -errno(capture);
        }
        catch (final Throwable t)
        {
            throw unexpected("recvfrom", t);
        }
    }

    /**
     * ppoll(2) without a signal mask: as {@link #poll} but the timeout is a {@code struct timespec} (two longs,
     * seconds and nanoseconds) that the caller fills, so a deadline is met to the microsecond instead of being rounded
     * up to the next millisecond. Returns the number of ready descriptors, or minus errno.
     */
    public static int ppoll(final MemorySegment capture, final MemorySegment fds, final long count,
        final MemorySegment timespec)
    {
        try
        {
            final int rc = (int)PPOLL.invokeExact(capture, fds, count, timespec, MemorySegment.NULL);
            return rc >= 0 ? rc : -errno(capture);
        }
        catch (final Throwable t)
        {
            throw unexpected("ppoll", t);
        }
    }

    /** poll(2): the number of ready descriptors, or minus errno. */
    public static int poll(final MemorySegment capture, final MemorySegment fds, final long count, final int timeoutMs)
    {
        try
        {
            final int rc = (int)POLL.invokeExact(capture, fds, count, timeoutMs);
            return rc >= 0 ? rc : -errno(capture);
        }
        catch (final Throwable t)
        {
            throw unexpected("poll", t);
        }
    }

    public static void close(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int ignored = (int)CLOSE.invokeExact(errnoSegment(arena), fd);
        }
        catch (final Throwable t)
        {
            throw unexpected("close", t);
        }
    }

    /** mmap(2) of a file descriptor; the returned segment has {@code length} bytes (FACTS: mmap's is zero-length). */
    public static MemorySegment mmap(final long length, final int prot, final int flags, final int fd,
        final long offset, final String what)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            final MemorySegment address =
                (MemorySegment)MMAP.invokeExact(capture, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (address.address() == MAP_FAILED)
            {
                throw failure("mmap(" + what + ")", capture);
            }
            return address.reinterpret(length);
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw unexpected("mmap", t);
        }
    }

    public static void munmap(final MemorySegment mapping)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int ignored = (int)MUNMAP.invokeExact(errnoSegment(arena), mapping, mapping.byteSize());
        }
        catch (final Throwable t)
        {
            throw unexpected("munmap", t);
        }
    }

    /** The interface's index; throws naming the interface when there is none. */
    public static int ifNameToIndex(final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            final int index = (int)IF_NAMETOINDEX.invokeExact(capture, arena.allocateFrom(name));
            if (index == 0)
            {
                throw new NativeException("if_nametoindex(" + name + ")", errno(capture));
            }
            return index;
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw unexpected("if_nametoindex", t);
        }
    }

    /** syscall(2) with up to six arguments (pass 0 for unused ones): the result, or minus errno. */
    public static long syscall(final long number, final long a1, final long a2, final long a3, final long a4,
        final long a5, final long a6)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = errnoSegment(arena);
            final long rc = (long)SYSCALL6.invokeExact(capture, number, a1, a2, a3, a4, a5, a6);
            return rc >= 0 ? rc : -errno(capture);
        }
        catch (final Throwable t)
        {
            throw unexpected("syscall " + number, t);
        }
    }
}
