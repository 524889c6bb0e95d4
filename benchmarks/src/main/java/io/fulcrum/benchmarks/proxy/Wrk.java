package io.fulcrum.benchmarks.proxy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.fulcrum.benchmarks.harness.PinnedProcess;

/**
 * One wrk run (Debian's wrk 4.1) in the client namespace, on the client's CPU: one thread, {@code connections}
 * connections, for whole seconds (wrk's {@code -d} takes no fraction), with the latency distribution.
 */
final class Wrk implements AutoCloseable
{
    static final String PROGRAM = "wrk";
    /** A run ends on time unless something hangs; past this beyond its duration it is stopped. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    private final PinnedProcess process;
    private final int seconds;

    private Wrk(final PinnedProcess process, final int seconds)
    {
        this.process = process;
        this.seconds = seconds;
    }

    static Wrk start(final Path log, final String url, final LoadCase loadCase, final int connections,
        final int seconds, final int cpu, final int nice) throws IOException
    {
        return new Wrk(PinnedProcess.start("wrk", ProxyTopology.CLIENT_NS, cpu, nice, log,
            command(url, loadCase, connections, seconds)), seconds);
    }

    static List<String> command(final String url, final LoadCase loadCase, final int connections, final int seconds)
    {
        final List<String> command = new ArrayList<>(List.of(PROGRAM, "-t", "1", "-c", Integer.toString(connections),
            "-d", seconds + "s", "--timeout", "5s", "--latency"));
        command.addAll(loadCase.wrkArguments);
        command.add(url);
        return command;
    }

    /** Waits for the run to end and returns its report; throws with wrk's output when it failed. */
    WrkResult await() throws IOException, InterruptedException
    {
        final int exit = process.awaitExit(Duration.ofSeconds(seconds).plus(GRACE));
        final String output = process.output();
        if (exit != 0)
        {
            throw new IllegalStateException("wrk exited with " + exit + ":\n" + output.strip());
        }
        return WrkResult.parse(output);
    }

    @Override
    public void close()
    {
        process.close();
    }
}
