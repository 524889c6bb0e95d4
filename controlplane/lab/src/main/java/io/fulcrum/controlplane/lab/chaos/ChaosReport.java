package io.fulcrum.controlplane.lab.chaos;

import java.util.List;

/** The suite's table: one line per scenario, then the details of each. */
public final class ChaosReport
{
    private ChaosReport()
    {
    }

    public static String table(final List<ScenarioResult> results, final boolean sync)
    {
        final StringBuilder text = new StringBuilder();
        text.append(String.format("%-74s %9s %6s %8s %12s %7s%n", "scenario (sync " + (sync ? "on" : "off") + ")",
            "outage ms", "lost", "req fail", "new fail/aft", "goal"));
        for (final ScenarioResult result : results)
        {
            final String name = result.scenario().number() + ". " + result.scenario().title();
            final WorkloadResult w = result.workload();
            if (w == null)
            {
                text.append(String.format("%-74s %9s %6s %8s %12s %7s%n", name, "-", "-", "-", "-", "SKIPPED"));
                text.append("     skipped: ").append(result.skipped()).append('\n');
                continue;
            }
            text.append(String.format("%-74s %9d %6s %8d %12s %7s%n", name, w.outageMillis(),
                w.lost() + "/" + w.connections(), w.requestsFailed(), w.newFailed() + "/" + w.newFailedAfterOutage(),
                result.verdict()));
        }
        text.append("outage: longest time no request (long-lived or new) was answered, at the client; lost: long-lived "
            + "connections reset, closed, silent for " + Workload.ANSWER_TIMEOUT.toSeconds() + " s or moved to another "
            + "backend; new fail/aft: new connections failed / of them started after the outage had ended\n");
        return text.toString();
    }

    public static String details(final List<ScenarioResult> results)
    {
        final StringBuilder text = new StringBuilder();
        for (final ScenarioResult result : results)
        {
            text.append(result.scenario().number()).append(". ").append(result.scenario().title()).append('\n');
            result.steps().forEach(step -> text.append("   ").append(step).append('\n'));
            text.append("   ").append(result.wasSkipped() ? "skipped: " + result.skipped() : result.workload().describe())
                .append('\n');
        }
        return text.toString();
    }
}
