package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;

/**
 * Runs code inside a network namespace. setns(2) moves only the calling thread, so the task runs on a fresh platform
 * thread that enters the namespace first and dies afterwards: a thread that changed namespace must never return to a
 * pool. Sockets keep the namespace they were created in, so a socket (or an AF_PACKET port) made by the task may be
 * used from any thread afterwards.
 */
public final class Namespaces
{
    /** Where iproute2 keeps named namespaces (ip-netns(8)); /var/run is a link to /run on current systems. */
    public static final String NETNS_RUN_DIR = "/run/netns/";

    // sched.h: CLONE_NEWNET; fcntl.h: O_RDONLY | O_CLOEXEC
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    /** int open(const char *path, int flags, ...) — fcntl.h; variadic after flags (the mode). */
    private static final MethodHandle OPEN = Linker.nativeLinker().downcallHandle(
        Linker.nativeLinker().defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    /** int setns(int fd, int nstype) — sched.h */
    private static final MethodHandle SETNS = Libc.downcall("setns",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Namespaces()
    {
    }

    /**
     * Runs {@code task} on a new thread inside the network namespace {@code netns} (a name under /run/netns, or an
     * absolute path such as /proc/PID/ns/net), waits for it and returns its result; the task's exception is rethrown
     * as it was thrown.
     */
    public static <T> T runIn(final String netns, final Callable<T> task) throws Exception
    {
        final String path = netns.startsWith("/") ? netns : NETNS_RUN_DIR + netns;
        final Object[] result = new Object[1];
        final Throwable[] failure = new Throwable[1];
        final Thread thread = Thread.ofPlatform().name("netns-" + netns).daemon(true).unstarted(() ->
        {
            try
            {
                enter(path);
                result[0] = task.call();
            }
            catch (final Throwable t)
            {
                failure[0] = t;
            }
        });
        thread.start();
        thread.join();
        if (failure[0] instanceof Exception e)
        {
            throw e;
        }
        if (failure[0] instanceof Error e)
        {
            throw e;
        }
        @SuppressWarnings("unchecked")
        final T value = (T)result[0];
        return value;
    }

    /** Moves the calling thread into the network namespace at {@code path}; irreversible for this thread. */
    public static void enter(final String path)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(arena);
            final int fd = (int)OPEN.invokeExact(capture, arena.allocateFrom(path), O_RDONLY_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new NativeException("open(" + path + ")", Libc.errno(capture));
            }
            try
            {
                if ((int)SETNS.invokeExact(capture, fd, CLONE_NEWNET) != 0)
                {
                    throw new NativeException("setns(" + path + ", CLONE_NEWNET)", Libc.errno(capture));
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
