package io.fulcrum.controlplane.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.CountersRegistry;
import io.fulcrum.dataplane.stats.WorkerCounters;

/** sd_notify against a real AF_UNIX datagram socket standing in for systemd's. */
class SystemdNotifyTest
{
    @TempDir
    Path dir;

    @Test
    void readyAndStatusArriveAsOneDatagramOnAPathSocket() throws Exception
    {
        try (NotifySocket systemd = new NotifySocket(dir.resolve("notify").toString());
            SystemdNotify notify = SystemdNotify.to(systemd.name()))
        {
            assertTrue(notify.send("READY=1\nSTATUS=forwarding 2 worker(s)"));

            assertEquals("READY=1\nSTATUS=forwarding 2 worker(s)", systemd.receive(2000));
        }
    }

    @Test
    void anAbstractSocketNameStartsWithAnAt() throws Exception
    {
        final String name = "@fulcrum-notify-test-" + ProcessHandle.current().pid();
        try (NotifySocket systemd = new NotifySocket(name); SystemdNotify notify = SystemdNotify.to(name))
        {
            assertTrue(notify.send("WATCHDOG=1"));

            assertEquals("WATCHDOG=1", systemd.receive(2000));
        }
    }

    @Test
    void aSocketNobodyListensOnIsAFailedSendNotAnException() throws Exception
    {
        try (SystemdNotify notify = SystemdNotify.to(dir.resolve("nobody").toString()))
        {
            assertFalse(notify.send("READY=1"));
        }
    }

    @Test
    void theWatchdogIntervalIsWatchdogUsecForThisProcessOnly()
    {
        final String self = Long.toString(ProcessHandle.current().pid());

        assertEquals(Duration.ofSeconds(30), SystemdNotify.watchdogInterval("30000000", self));
        assertEquals(Duration.ofMillis(1500), SystemdNotify.watchdogInterval("1500000", null));
        assertNull(SystemdNotify.watchdogInterval("30000000", "1"));
        assertNull(SystemdNotify.watchdogInterval(null, self));
        assertNull(SystemdNotify.watchdogInterval("0", self));
        assertNull(SystemdNotify.watchdogInterval("soon", self));
    }

    /** Counts WATCHDOG=1 datagrams arriving within {@code millis}. */
    private static int pingsWithin(final NotifySocket systemd, final long millis)
    {
        int pings = 0;
        final long deadline = System.currentTimeMillis() + millis;
        long left;
        while ((left = deadline - System.currentTimeMillis()) > 0)
        {
            final String message = systemd.receive((int)left);
            if ("WATCHDOG=1".equals(message))
            {
                pings++;
            }
        }
        return pings;
    }

    @Test
    void theWatchdogIsFedWhileEveryWorkerCyclesAndStarvedWhenOneStalls() throws Exception
    {
        final Duration interval = Duration.ofMillis(800);
        final AtomicBoolean secondRuns = new AtomicBoolean(true);
        final AtomicBoolean stop = new AtomicBoolean();
        final StringWriter events = new StringWriter();
        try (CountersFile counters = CountersFile.inMemory(256);
            NotifySocket systemd = new NotifySocket(dir.resolve("notify").toString());
            SystemdNotify notify = SystemdNotify.to(systemd.name()))
        {
            final CountersRegistry registry = new CountersRegistry(counters);
            final WorkerCounters first = registry.newWorker();
            final WorkerCounters second = registry.newWorker();
            // Two workers' duty cycles, as ForwardingAgent counts them; the second one can be made to stall.
            final Thread workers = Thread.ofPlatform().daemon().start(() ->
            {
                while (!stop.get())
                {
                    first.idleCycles().increment();
                    if (secondRuns.get())
                    {
                        second.busyCycles().increment();
                    }
                    try
                    {
                        Thread.sleep(5);
                    }
                    catch (final InterruptedException e)
                    {
                        return;
                    }
                }
            });
            final WorkerProgress progress = new WorkerProgress(counters.reader(), 2,
                ServiceWatchdog.stallLimit(interval).toNanos(), System::nanoTime);
            try (ServiceWatchdog watchdog = ServiceWatchdog.start(notify, progress, interval,
                new EventLog(new PrintWriter(events, true), EventLog.Format.HUMAN)))
            {
                // A ping every interval / 4 = 200 ms: about 10 in 2 s; at least 3 even on a loaded machine.
                assertTrue(pingsWithin(systemd, 2000) >= 3, "no watchdog pings while both workers cycle");

                secondRuns.set(false);
                // After the stall limit (400 ms) the pings stop; allow 1 s for that, then none for 2 s.
                pingsWithin(systemd, 1000);
                assertEquals(0, pingsWithin(systemd, 2000), "pings went on while worker 1 stood still");
                assertTrue(events.toString().contains("worker(s) [1] stalled"), events::toString);

                secondRuns.set(true);
                assertTrue(pingsWithin(systemd, 2000) >= 3, "no pings after the worker ran again");
                assertTrue(watchdog.pings() > 0);
            }
            finally
            {
                stop.set(true);
                workers.join(2000);
            }
        }
    }
}
