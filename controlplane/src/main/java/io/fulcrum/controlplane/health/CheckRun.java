package io.fulcrum.controlplane.health;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of one check, on the event loop: it owns the channel and the timeout, decides exactly once, then closes the
 * channel and runs what else it was given to release. Whatever comes later (a late reply, the close itself) finds it
 * done and is ignored.
 */
final class CheckRun
{
    /** Called once, on the event loop, with the outcome in plain words. */
    @FunctionalInterface
    interface Completion
    {
        void completed(boolean ok, String detail);
    }

    private final Completion completion;
    private final long timeoutMillis;
    private final List<Runnable> releases = new ArrayList<>(1);
    private ScheduledFuture<?> timer;
    private Channel channel;
    private boolean done;
    private String stage = "connecting";
    private String passed = "";

    CheckRun(final long timeoutMillis, final Completion completion)
    {
        this.timeoutMillis = timeoutMillis;
        this.completion = completion;
    }

    void startTimer(final EventLoop loop)
    {
        timer = loop.schedule(this::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The channel to close when the run ends; closed at once if the run already ended (a synchronous failure). */
    void attach(final Channel channel)
    {
        this.channel = channel;
        if (done)
        {
            channel.close();
        }
    }

    /** Runs {@code release} when the run ends (at once if it has ended). */
    void whenDone(final Runnable release)
    {
        if (done)
        {
            release.run();
            return;
        }
        releases.add(release);
    }

    /**
     * A first step that passed, told with the outcome of the rest ("HTTP 200; SYN-ACK from 10.0.0.100:80 through
     * ipip"): an http check through a tunnel is a handshake there, then the request.
     */
    void passed(final String step)
    {
        this.passed = "; " + step;
    }

    /** What the run is waiting for, said in the timeout's detail ("timeout after 1000 ms waiting for the response"). */
    void stage(final String stage)
    {
        this.stage = stage;
    }

    boolean isDone()
    {
        return done;
    }

    void succeed(final String detail)
    {
        finish(true, detail);
    }

    void fail(final String detail)
    {
        finish(false, detail);
    }

    void fail(final Throwable cause)
    {
        finish(false, Failures.describe(cause));
    }

    private void timedOut()
    {
        finish(false, "timeout after " + timeoutMillis + " ms " + stage);
    }

    private void finish(final boolean ok, final String detail)
    {
        if (done)
        {
            return;
        }
        done = true;
        if (timer != null)
        {
            timer.cancel(false);
        }
        if (channel != null)
        {
            channel.close();
        }
        releases.forEach(Runnable::run);
        completion.completed(ok, detail + passed);
    }
}
