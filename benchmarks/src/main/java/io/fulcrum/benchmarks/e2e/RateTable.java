package io.fulcrum.benchmarks.e2e;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.fulcrum.benchmarks.harness.CpuPlan;
import io.fulcrum.benchmarks.harness.Median;

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
        return Median.of(rounds.getOrDefault(scenario, List.of()).stream().mapToDouble(Measurement::deliveredMpps)
            .toArray());
    }

    double medianOffered(final Scenario scenario)
    {
        return Median.of(rounds.getOrDefault(scenario, List.of()).stream().mapToDouble(Measurement::offeredMpps)
            .toArray());
    }

    double medianCpuNanos(final Scenario scenario)
    {
        return Median.of(rounds.getOrDefault(scenario, List.of()).stream().mapToDouble(Measurement::cpuNanosPerPacket)
            .toArray());
    }

    /**
     * The plain-text table: medians of the rounds. Rate columns: what reached the sink per second, and its ratio to
     * the nftables and XDP scenarios. Cost columns: CPU time of generator, balancer and sink per delivered packet,
     * the packet rate one CPU would sustain at that cost (1000 / ns), and its ratios, which hold when other work takes
     * a share of the CPUs (the rate columns do not).
     */
    String render()
    {
        final StringBuilder out = new StringBuilder();
        out.append("mode ").append(plan.name()).append(" (").append(plan.describe()).append(")\n");
        out.append(String.format(Locale.ROOT, "%-34s %8s %9s %7s %7s | %8s %9s %7s %7s | %s%n", "scenario", "offered",
            "delivered", "vs", "vs XDP", "CPU ns", "Mpps per", "vs", "vs XDP", "delivered Mpps per round"));
        out.append(String.format(Locale.ROOT, "%-34s %8s %9s %7s %7s | %8s %9s %7s %7s |%n", "", "Mpps", "Mpps",
            "nft", "ceiling", "/packet", "CPU", "nft", "ceiling"));
        final double nftables = medianDelivered(Scenario.KERNEL_NFTABLES);
        final double ceiling = medianDelivered(Scenario.XDP_REDIRECT);
        final double nftablesPerCpu = 1e3 / medianCpuNanos(Scenario.KERNEL_NFTABLES);
        final double ceilingPerCpu = 1e3 / medianCpuNanos(Scenario.XDP_REDIRECT);
        for (final Scenario scenario : Scenario.values())
        {
            final List<Measurement> measured = rounds.get(scenario);
            if (measured == null)
            {
                continue;
            }
            final double delivered = medianDelivered(scenario);
            final double cpuNanos = medianCpuNanos(scenario);
            final double perCpu = 1e3 / cpuNanos;
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
            out.append(String.format(Locale.ROOT, "%-34s %8.3f %9.3f %7s %7s | %8.0f %9.3f %7s %7s | %s%n",
                scenario.title, medianOffered(scenario), delivered, ratio(delivered, nftables),
                ratio(delivered, ceiling), cpuNanos, perCpu, ratio(perCpu, nftablesPerCpu),
                ratio(perCpu, ceilingPerCpu), perRound.toString().strip()));
        }
        return out.toString();
    }

    private static String ratio(final double value, final double reference)
    {
        return Double.isNaN(reference) || Double.isNaN(value) || reference == 0 ? "-"
            : String.format(Locale.ROOT, "%.2fx", value / reference);
    }
}
