package io.fulcrum.controlplane.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Answers that wait for an external program (the upgrade installer's {@code --status}, its {@code systemd-run}):
 * computed on a thread of their own, so that the API's one event-loop thread keeps answering everything else for
 * as long as the program runs (its time limit). One thread: upgrade calls are rare and need not run side by side.
 */
final class ProgramCalls implements AutoCloseable
{
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("fulcrum-api-programs").daemon(true).factory());
    private final ManagementApi api;

    ProgramCalls(final ManagementApi api)
    {
        this.api = api;
    }

    /** The answer of {@code call}, or a 500 when it threw (as for any other request). */
    CompletableFuture<ApiResponse> answer(final Supplier<ApiResponse> call)
    {
        try
        {
            return CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return call.get();
                }
                catch (final RuntimeException e)
                {
                    return api.error(500, "internal_error", e.toString());
                }
            }, thread);
        }
        catch (final RejectedExecutionException e)
        {
            return CompletableFuture.completedFuture(api.error(503, "stopping", "the daemon is stopping"));
        }
    }

    @Override
    public void close()
    {
        thread.shutdownNow();
    }
}
