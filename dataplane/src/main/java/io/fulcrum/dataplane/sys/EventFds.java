package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * eventfd(2): a counter a thread can poll(2) on, so that another thread wakes it at once (a protocol loop asleep in
 * poll until its next timer, told to stop or to apply a change).
 */
public final class EventFds
{
    // sys/eventfd.h
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    /** int eventfd(unsigned int initval, int flags) */
    private static final MethodHandle EVENTFD = Libc.downcall("eventfd",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /** ssize_t write(int fd, const void *buf, size_t count) — unistd.h */
    private static final MethodHandle WRITE = Libc.downcall("write",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    /** ssize_t read(int fd, void *buf, size_t count) — unistd.h */
    private static final MethodHandle READ = Libc.downcall("read",
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private EventFds()
    {
    }

    /** A non-blocking, close-on-exec eventfd with a count of zero. */
    public static int open()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(arena);
            final int fd = (int)EVENTFD.invokeExact(capture, 0, EFD_NONBLOCK | EFD_CLOEXEC);
            if (fd < 0)
            {
                throw new NativeException("eventfd", Libc.errno(capture));
            }
            return fd;
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("eventfd could not be called", t);
        }
    }

    /** Adds one to the counter: a poll(2) on the descriptor reports it readable. */
    public static void signal(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final long ignored = (long)WRITE.invokeExact(Libc.errnoSegment(arena), fd,
                arena.allocateFrom(ValueLayout.JAVA_LONG, 1L), 8L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("write to eventfd could not be called", t);
        }
    }

    /** Resets the counter to zero (reads it); nothing happens when it is zero already. */
    public static void drain(final int fd, final MemorySegment capture, final MemorySegment eightBytes)
    {
        try
        {
            final long ignored = (long)READ.invokeExact(capture, fd, eightBytes, 8L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("read from eventfd could not be called", t);
        }
    }
}
