package io.fulcrum.controlplane.daemon;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Feeds systemd's watchdog (WatchdogSec= in fulcrum.service) only while the data plane works: every quarter of the
 * interval it samples the workers' duty cycles and sends {@code WATCHDOG=1} when none has stalled for half the
 * interval. A stuck worker thus stops the pings and systemd kills and restarts the daemon within one interval, which
 * a liveness check of the JVM alone (a timer thread that still runs) would never do.
 */
public final class ServiceWatchdog implements AutoCloseable
{
    private final SystemdNotify notify;
    private final WorkerProgress progress;
    private final EventLog log;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("fulcrum-watchdog").daemon(true).factory());
    private volatile long pings;
    private boolean withholding;

    private ServiceWatchdog(final SystemdNotify notify, final WorkerProgress progress, final EventLog log)
    {
        this.notify = notify;
        this.progress = progress;
        this.log = log;
    }

    /**
     * Starts pinging every {@code interval / 4}.
     *
     * @param progress a tracker whose stall limit is at most half the interval (see {@link #stallLimit})
     */
    public static ServiceWatchdog start(final SystemdNotify notify, final WorkerProgress progress,
        final Duration interval, final EventLog log)
    {
        final ServiceWatchdog watchdog = new ServiceWatchdog(notify, progress, log);
        final long period = Math.max(1, interval.toMillis() / 4);
        watchdog.timer.scheduleAtFixedRate(watchdog::check, 0, period, TimeUnit.MILLISECONDS);
        return watchdog;
    }

    /** How long a worker may stand still before the pings stop: half the interval, so systemd still has slack. */
    public static Duration stallLimit(final Duration interval)
    {
        return interval.dividedBy(2);
    }

    private void check()
    {
        final List<Integer> stalled = progress.stalled();
        if (stalled.isEmpty())
        {
            if (notify.send("WATCHDOG=1"))
            {
                pings++;
            }
            if (withholding)
            {
                withholding = false;
                log.event("watchdog", "data-plane workers run again: pinging systemd's watchdog again");
            }
        }
        else if (!withholding)
        {
            withholding = true;
            notify.send("STATUS=data-plane worker(s) " + stalled + " stalled");
            log.event("watchdog", "data-plane worker(s) " + stalled + " stalled: no more watchdog pings, systemd "
                + "will restart the daemon", "workers", stalled.toString());
        }
    }

    /** How many pings were sent (for tests and the log). */
    public long pings()
    {
        return pings;
    }

    @Override
    public void close()
    {
        timer.shutdownNow();
        try
        {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
