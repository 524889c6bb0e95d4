package io.fulcrum.proxy.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A timeout that moves far more often than it fires (once or twice per request): arming and disarming set fields,
 * and the one scheduled task checks the deadline when it runs and schedules itself again for what is left, as
 * Netty's IdleStateHandler does. The task is never scheduled further ahead than {@code maxDelayNanos}, so a deadline
 * moved earlier but not before that (the header timeout after the longer keep-alive wait) needs no new task either.
 * So a request costs no task scheduled or cancelled. Event-loop thread only.
 */
final class DeadlineTimer implements Runnable
{
    private final EventExecutor executor;
    private final Runnable expiry;
    private final long maxDelayNanos;
    private long deadlineNanos;
    private boolean armed;
    private boolean stopped;
    private ScheduledFuture<?> task;
    private long taskDeadlineNanos;

    /** @param maxDelayNanos the longest a task is scheduled ahead: the shortest deadline distance in use */
    DeadlineTimer(final EventExecutor executor, final Runnable expiry, final long maxDelayNanos)
    {
        this.executor = executor;
        this.expiry = expiry;
        this.maxDelayNanos = maxDelayNanos;
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
        final long delay = Math.clamp(deadline - System.nanoTime(), 0, maxDelayNanos);
        taskDeadlineNanos = System.nanoTime() + delay;
        task = executor.schedule(this, delay, TimeUnit.NANOSECONDS);
    }
}
