package io.fulcrum.proxy.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A timeout that moves far more often than it fires (once or twice per request): arming and disarming set fields,
 * and the one scheduled task checks the deadline when it runs and schedules itself again for what is left, as
 * Netty's IdleStateHandler does. So a request costs no task scheduled or cancelled. Event-loop thread only.
 */
final class DeadlineTimer implements Runnable
{
    private final EventExecutor executor;
    private final Runnable expiry;
    private long deadlineNanos;
    private boolean armed;
    private boolean stopped;
    private ScheduledFuture<?> task;
    private long taskDeadlineNanos;

    DeadlineTimer(final EventExecutor executor, final Runnable expiry)
    {
        this.executor = executor;
        this.expiry = expiry;
    }

    /** Runs the expiry at {@code deadlineNanos} ({@link System#nanoTime()} time) unless moved or disarmed first. */
    void armAt(final long deadlineNanos)
    {
        if (stopped)
        {
            return;
        }
        this.deadlineNanos = deadlineNanos;
        armed = true;
        if (task != null)
        {
            if (taskDeadlineNanos - deadlineNanos <= 0)
            {
                return;
            }
            task.cancel(false);
        }
        schedule(deadlineNanos);
    }

    void disarm()
    {
        armed = false;
    }

    /** For good: the channel is gone. */
    void stop()
    {
        stopped = true;
        armed = false;
        if (task != null)
        {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run()
    {
        task = null;
        if (!armed)
        {
            return;
        }
        if (System.nanoTime() - deadlineNanos >= 0)
        {
            armed = false;
            expiry.run();
        }
        else
        {
            schedule(deadlineNanos);
        }
    }

    private void schedule(final long deadline)
    {
        taskDeadlineNanos = deadline;
        task = executor.schedule(this, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
