package io.fulcrum.vrrp;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs an instance's notify program as keepalived does ({@code PROGRAM INSTANCE STATE PRIORITY}), one at a time and
 * in order, on a thread of its own: a slow program never delays adverts. A program running over 30 s is killed.
 * Programs inherit the process's network namespace.
 */
final class NotifyPrograms implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(NotifyPrograms.class.getName());
    private static final long TIMEOUT_SECONDS = 30;

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
            try
            {
                final Process process = new ProcessBuilder(instance.notifyProgram(), instance.name(),
                    to.operatorName(), Integer.toString(priority))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    LOG.log(System.Logger.Level.WARNING, "({0}) notify program {1} ran over {2} s; killed",
                        instance.name(), instance.notifyProgram(), TIMEOUT_SECONDS);
                }
                else if (process.exitValue() != 0)
                {
                    LOG.log(System.Logger.Level.WARNING, "({0}) notify program {1} exited {2}", instance.name(),
                        instance.notifyProgram(), process.exitValue());
                }
            }
            catch (final Exception e)
            {
                LOG.log(System.Logger.Level.WARNING, "({0}) cannot run notify program {1}: {2}", instance.name(),
                    instance.notifyProgram(), e.toString());
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
