package io.fulcrum.controlplane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CountersFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fulcrum stat}: reads the counters file of a running data plane from another process (as AeronStat does),
 * summed over workers. It maps the file read-only and never touches the workers.
 */
@Command(name = "stat", description = "Print the data plane's counters, read live from its counters file.")
public final class StatCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--file", paramLabel = "PATH", description = "Counters file (default: ${DEFAULT-VALUE}).")
    private Path file = CountersFile.DEFAULT_PATH;

    @Option(names = "--watch", paramLabel = "SECONDS", arity = "0..1", fallbackValue = "1",
        description = "Print again every SECONDS (default 1) until interrupted.")
    private Integer watchSeconds;

    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N prints.")
    private int count = Integer.MAX_VALUE;

    @Option(names = "--all", description = "Also print counters that are zero.")
    private boolean all;

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (!Files.exists(file))
        {
            err.println("fulcrum stat: no counters file at " + file + " (is `fulcrum run` running? "
                + "use --file for a replay's --counters file)");
            return ExitCodes.INVALID_INPUT;
        }
        final CountersFile counters;
        try
        {
            counters = CountersFile.openReadOnly(file);
        }
        catch (final IOException e)
        {
            err.println("fulcrum stat: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        final int prints = watchSeconds == null ? 1 : count;
        for (int i = 0; i < prints; i++)
        {
            if (i > 0)
            {
                Thread.sleep(watchSeconds * 1000L);
                out.println();
            }
            print(out, counters);
            out.flush();
        }
        return ExitCodes.OK;
    }

    private void print(final PrintWriter out, final CountersFile counters)
    {
        out.printf("%s  writer pid %d (%s), started %s%n", Instant.now(), counters.writerPid(),
            counters.writerAlive() ? "running" : "not running", Instant.ofEpochMilli(counters.startTimeMillis()));
        for (final CounterTotals.Row row : CounterTotals.read(counters.reader()).rows())
        {
            if (all || row.value() != 0)
            {
                out.printf("%-64s %14d%n", row.label(), row.value());
            }
        }
        printErrors(out, counters);
    }

    /** The agents' distinct errors, as AeronStat's error reader prints them: how often, when first and last. */
    private static void printErrors(final PrintWriter out, final CountersFile counters)
    {
        final StringBuilder text = new StringBuilder();
        final int distinct = counters.readErrors((observations, first, last, encodedException) ->
            text.append(String.format("  %d time(s), first %s, last %s:%n    %s%n", observations,
                Instant.ofEpochMilli(first), Instant.ofEpochMilli(last),
                encodedException.strip().replace("\n", "\n    "))));
        if (distinct > 0)
        {
            out.printf("agent errors, %d distinct:%n%s", distinct, text);
        }
    }
}
