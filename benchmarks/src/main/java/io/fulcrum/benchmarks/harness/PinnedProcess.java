package io.fulcrum.benchmarks.harness;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program a harness runs in a network namespace, confined to one CPU (taskset) at a niceness, with its standard
 * output and error in a log file. {@code ip netns exec}, {@code nice} and {@code taskset} all exec, so the process id
 * is the program's own: the one whose CPU time is measured and that SIGTERM stops.
 */
public final class PinnedProcess implements AutoCloseable
{
    private final String name;
    private final Process process;
    private final Path log;

    private PinnedProcess(final String name, final Process process, final Path log)
    {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code namespace} on {@code cpu} at niceness {@code nice}; {@code name} names it. */
    public static PinnedProcess start(final String name, final String namespace, final int cpu, final int nice,
        final Path log, final List<String> command) throws IOException
    {
        Files.deleteIfExists(log);
        final List<String> pinned = new ArrayList<>(List.of("nice", "-n", Integer.toString(nice), "taskset", "-c",
            Integer.toString(cpu)));
        pinned.addAll(command);
        final Process process = new ProcessBuilder(List.of(Shell.inNamespace(namespace, pinned.toArray(String[]::new))))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
        return new PinnedProcess(name, process, log);
    }

    /**
     * Waits, in 100 ms steps, until {@code ready} holds for the program's output so far. When the program exits first
     * the wait fails with that output; when {@code limit} passes first, or the wait fails otherwise, the program is
     * stopped, so a caller has nothing to clean up after a failed start.
     */
    public void awaitReady(final Duration limit, final Predicate<String> ready) throws IOException, InterruptedException
    {
        try
        {
            final long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < deadline)
            {
                final String output = output();
                if (ready.test(output))
                {
                    return;
                }
                if (!process.isAlive())
                {
                    // read again: what it wrote just before exiting may have come after the read above
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n"
                        + output().strip());
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException(name + " was not ready within " + limit.toSeconds() + " s; see " + log);
        }
        catch (final IOException | InterruptedException | RuntimeException e)
        {
            close();
            throw e;
        }
    }

    /**
     * Waits for the program to end by itself and returns its exit code; past {@code limit} it is stopped and the
     * wait fails, naming the log.
     */
    public int awaitExit(final Duration limit) throws InterruptedException
    {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS))
        {
            close();
            throw new IllegalStateException(name + " did not end within " + limit.toSeconds() + " s; see " + log);
        }
        return process.exitValue();
    }

    /** What the program wrote so far. */
    public String output() throws IOException
    {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    public long pid()
    {
        return process.pid();
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    public Path log()
    {
        return log;
    }

    /** SIGTERM (the orderly stop of Fulcrum, HAProxy and nginx alike), SIGKILL after 15 s. */
    @Override
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(15, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
