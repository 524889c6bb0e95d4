package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Real-time scheduling of the calling thread (sched(7)): a protocol thread whose timers must fire on time (VRRP) is
 * raised to SCHED_FIFO so that busy-polling workers on the same cores cannot starve it.
 */
public final class Scheduling
{
    // linux/sched.h
    public static final int SCHED_OTHER = 0;
    public static final int SCHED_FIFO = 1;
    public static final int SCHED_RR = 2;

    /** int sched_setscheduler(pid_t pid, int policy, const struct sched_param *param) — sched.h; pid 0 = caller. */
    private static final MethodHandle SCHED_SETSCHEDULER = Libc.downcall("sched_setscheduler",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    /** int sched_getscheduler(pid_t pid) */
    private static final MethodHandle SCHED_GETSCHEDULER = Libc.downcall("sched_getscheduler",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Scheduling()
    {
    }

    /**
     * Sets the calling thread's policy and priority (struct sched_param holds one int, sched_priority). Returns 0,
     * or the errno (EPERM without CAP_SYS_NICE or an RLIMIT_RTPRIO) so the caller can log and carry on.
     */
    public static int setCurrentThread(final int policy, final int priority)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(arena);
            final MemorySegment param = arena.allocateFrom(ValueLayout.JAVA_INT, priority);
            final int rc = (int)SCHED_SETSCHEDULER.invokeExact(capture, 0, policy, param);
            return rc == 0 ? 0 : Libc.errno(capture);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sched_setscheduler could not be called", t);
        }
    }

    /** The calling thread's policy (SCHED_OTHER, SCHED_FIFO, ...), or minus errno. */
    public static int currentThreadPolicy()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(arena);
            final int rc = (int)SCHED_GETSCHEDULER.invokeExact(capture, 0);
            return rc >= 0 ? rc : -Libc.errno(capture);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sched_getscheduler could not be called", t);
        }
    }
}
