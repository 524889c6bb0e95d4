package io.fulcrum.vrrp;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

/**
 * Runs an instance's notify program as keepalived does ({@code PROGRAM INSTANCE STATE PRIORITY}), one at a time and
 * in order, on a thread of its own: a slow program never delays adverts. A program running over 30 s is killed.
 * Programs inherit the process's network namespace.
 */
final class NotifyPrograms implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(NotifyPrograms.class.getName());
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable ->
        Thread.ofPlatform().name("vrrp-notify").daemon(true).unstarted(runnable));

    void run(final VrrpSettings instance, final VrrpState to, final int priority)
    {
        if (instance.notifyProgram() == null)
        {
            return;
        }
        executor.execute(() ->
        {
            final CommandResult result = Commands.run(LIMIT,
                List.of(instance.notifyProgram(), instance.name(), to.operatorName(), Integer.toString(priority)));
            if (!result.succeeded())
            {
                LOG.log(System.Logger.Level.WARNING, "({0}) notify program: {1}", instance.name(), result.failure());
            }
        });
    }

    /** Lets queued programs run (bounded), then stops the thread. */
    @Override
    public void close()
    {
        executor.shutdown();
        try
        {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
