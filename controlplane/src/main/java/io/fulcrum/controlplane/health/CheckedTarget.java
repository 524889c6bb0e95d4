package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One target's schedule, counters and state. Everything but {@link #status} is touched on the event loop only;
 * {@link #status} is replaced whole after each result so any thread may read it.
 */
final class CheckedTarget
{
    final String pool;
    final InetAddress address;
    HealthCheckConfig check;
    Optional<Tunnel> tunnel;
    /** The next run, while none is in flight. */
    ScheduledFuture<?> next;
    /** The run in flight, or null. */
    CheckRun inFlight;
    /** Numbers runs, so a run that ends after the target changed is recognised and ignored. */
    long runs;
    boolean stopped;
    private int consecutiveSuccesses;
    private int consecutiveFailures;
    private volatile HealthStatus status = new HealthStatus(HealthState.UNKNOWN, List.of());

    CheckedTarget(final HealthTarget target)
    {
        this.pool = target.pool();
        this.address = target.address();
        this.check = target.check();
        this.tunnel = target.tunnel();
    }

    HealthStatus status()
    {
        return status;
    }

    /** Whether the last check passed. */
    boolean lastPassed()
    {
        return consecutiveSuccesses > 0;
    }

    /** Drops the failures counted so far: they happened while every check failed (see {@link HealthChecker}). */
    void forgetFailures()
    {
        consecutiveFailures = 0;
    }

    /**
     * Counts a result and moves the state as {@link HealthState} describes.
     *
     * @param corroborated false when no other target passes: the failure is not counted towards {@code fall} (see
     *                     {@link HealthChecker}), except for a target still UNKNOWN, which takes no new flows anyway
     * @return why the state changed, or null when it did not
     */
    String record(final HealthStatus.Result result, final boolean corroborated)
    {
        final HealthState before = status.state();
        HealthState after = before;
        String reason = null;
        if (result.ok())
        {
            consecutiveSuccesses++;
            consecutiveFailures = 0;
            if (before == HealthState.UNKNOWN)
            {
                after = HealthState.UP;
                reason = "first check passed: " + result.detail();
            }
            else if (before == HealthState.DOWN && consecutiveSuccesses >= check.rise())
            {
                after = HealthState.UP;
                reason = consecutiveSuccesses + " consecutive checks passed, last: " + result.detail();
            }
        }
        else
        {
            consecutiveSuccesses = 0;
            if (corroborated || before == HealthState.UNKNOWN)
            {
                consecutiveFailures++;
            }
            if (before != HealthState.DOWN && consecutiveFailures >= check.fall())
            {
                after = HealthState.DOWN;
                reason = consecutiveFailures + " consecutive checks failed, last: " + result.detail();
            }
        }
        final List<HealthStatus.Result> history = new ArrayList<>(HealthStatus.HISTORY);
        final List<HealthStatus.Result> previous = status.history();
        history.addAll(previous.subList(Math.max(0, previous.size() - (HealthStatus.HISTORY - 1)), previous.size()));
        history.add(result);
        status = new HealthStatus(after, history);
        return reason;
    }
}
