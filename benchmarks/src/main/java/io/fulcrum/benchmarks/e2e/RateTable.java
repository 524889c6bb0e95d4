package io.fulcrum.benchmarks.e2e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The rounds of one CPU plan, and the table that summarises them by medians. */
final class RateTable
{
    private final CpuPlan plan;
    private final Map<Scenario, List<Measurement>> rounds = new EnumMap<>(Scenario.class);

    RateTable(final CpuPlan plan)
    {
        this.plan = plan;
    }

    void add(final Scenario scenario, final Measurement measurement)
    {
        rounds.computeIfAbsent(scenario, s -> new ArrayList<>()).add(measurement);
    }

    double medianDelivered(final Scenario scenario)
    {
        return median(rounds.getOrDefault(scenario, List.of()).stream().mapToDouble(Measurement::deliveredMpps)
            .toArray());
    }

    double medianOffered(final Scenario scenario)
    {
        return median(rounds.getOrDefault(scenario, List.of()).stream().mapToDouble(Measurement::offeredMpps)
            .toArray());
    }

    static double median(final double[] values)
    {
        if (values.length == 0)
        {
            return Double.NaN;
        }
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The plain-text table: medians, the ratios, and each round's delivered rate. */
    String render()
    {
        final StringBuilder out = new StringBuilder();
        out.append("mode ").append(plan.name()).append(" (").append(plan.describe()).append(")\n");
        out.append(String.format(Locale.ROOT, "%-36s %9s %11s %9s %8s %8s  %s%n", "scenario", "offered",
            "delivered", "deliv/", "vs", "vs XDP", "delivered Mpps per round"));
        out.append(String.format(Locale.ROOT, "%-36s %9s %11s %9s %8s %8s%n", "", "Mpps", "Mpps", "offered",
            "nftables", "ceiling"));
        final double nftables = medianDelivered(Scenario.KERNEL_NFTABLES);
        final double ceiling = medianDelivered(Scenario.XDP_REDIRECT);
        for (final Scenario scenario : Scenario.values())
        {
            final List<Measurement> measured = rounds.get(scenario);
            if (measured == null)
            {
                continue;
            }
            final double delivered = medianDelivered(scenario);
            final double offered = medianOffered(scenario);
            final StringBuilder perRound = new StringBuilder();
            int restarts = 0;
            for (final Measurement m : measured)
            {
                perRound.append(String.format(Locale.ROOT, "%.3f ", m.deliveredMpps()));
                restarts += m.generatorRestarts();
            }
            if (restarts > 0)
            {
                perRound.append("(generator restarted ").append(restarts).append("x)");
            }
            out.append(String.format(Locale.ROOT, "%-36s %9.3f %11.3f %9.2f %8s %8s  %s%n", scenario.title, offered,
                delivered, delivered / offered, ratio(delivered, nftables), ratio(delivered, ceiling),
                perRound.toString().strip()));
        }
        return out.toString();
    }

    private static String ratio(final double value, final double reference)
    {
        return Double.isNaN(reference) || reference == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", value / reference);
    }
}
