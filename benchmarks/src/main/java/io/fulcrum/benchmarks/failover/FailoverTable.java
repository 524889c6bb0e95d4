package io.fulcrum.benchmarks.failover;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The failover harness's result as a Markdown table: one row per advert interval, the medians of Fulcrum's and
 * keepalived's rounds beside each round's outage.
 */
final class FailoverTable
{
    static final int FULCRUM = 0;
    static final int KEEPALIVED = 1;

    private final List<String> rows = new ArrayList<>();

    /**
     * One advert interval's rounds: {@code outages[daemon][round]} in ms, {@code afterAdvert[daemon][round]} the time
     * from lb1's last advert to the first answered probe in ns; daemon {@link #FULCRUM} or {@link #KEEPALIVED}.
     */
    void add(final Duration interval, final long[][] outages, final long[][] afterAdvert)
    {
        final long fulcrum = median(outages[FULCRUM]);
        final long keepalived = median(outages[KEEPALIVED]);
        rows.add(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %s | %s | %.1f | %.1f |", text(interval),
            fulcrum, keepalived, fulcrum / (double)Math.max(1, keepalived), Arrays.toString(outages[FULCRUM]),
            Arrays.toString(outages[KEEPALIVED]), median(afterAdvert[FULCRUM]) / 1e6,
            median(afterAdvert[KEEPALIVED]) / 1e6));
    }

    String render()
    {
        final StringBuilder table = new StringBuilder()
            .append("| advert interval | Fulcrum outage, median ms | keepalived outage, median ms | ratio | ")
            .append("Fulcrum rounds | keepalived rounds | Fulcrum, from last advert, median ms | keepalived, same |\n")
            .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        rows.forEach(row -> table.append(row).append('\n'));
        return table.toString();
    }

    /** The middle value; of an even count the upper of the two middle ones. */
    static long median(final long[] values)
    {
        final long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** {@code 1 s}, {@code 100 ms}: as the docs' tables write an interval. */
    static String text(final Duration interval)
    {
        return interval.toMillis() >= 1000 ? interval.toSeconds() + " s" : interval.toMillis() + " ms";
    }
}
