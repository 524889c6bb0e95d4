package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside a named network namespace ({@code /var/run/netns/NAME}, as iproute2 creates them). The network
 * namespace is a per-thread attribute in Linux, so {@link #runIn} enters it with setns(2) on a fresh thread that
 * ends afterwards: no other thread of the JVM moves. Sockets, BPF links and interface indexes obtained inside stay
 * bound to that namespace and may be used from any thread later.
 */
public final class NetworkNamespace
{
    /** CLONE_NEWNET — include/uapi/linux/sched.h */
    public static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    /** int setns(int fd, int nstype) — sched.h */
    private static final MethodHandle SETNS = Libc.downcall("setns",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /** int open(const char *path, int flags) — fcntl.h (the variadic mode is not passed) */
    private static final MethodHandle OPEN = Libc.downcall("open",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private NetworkNamespace()
    {
    }

    /** Calls {@code task} on a new thread inside namespace {@code name} and returns its result or rethrows. */
    public static <T> T runIn(final String name, final Callable<T> task) throws Exception
    {
        final AtomicReference<T> result = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                enter(name);
                result.set(task.call());
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "netns-" + name);
        thread.start();
        thread.join();
        final Throwable t = failure.get();
        if (t instanceof Exception e)
        {
            throw e;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        return result.get();
    }

    /** Moves the calling thread into namespace {@code name} for good: only for threads made for that purpose. */
    public static void enter(final String name)
    {
        final String path = "/var/run/netns/" + name;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(arena);
            final int fd = (int)OPEN.invokeExact(capture, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
            {
                throw new NativeException("open(" + path + ")", Libc.errno(capture));
            }
            try
            {
                if ((int)SETNS.invokeExact(capture, fd, CLONE_NEWNET) != 0)
                {
                    throw new NativeException("setns(" + path + ")", Libc.errno(capture));
                }
            }
            finally
            {
                Libc.close(fd);
            }
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("setns could not be called", t);
        }
    }
}
