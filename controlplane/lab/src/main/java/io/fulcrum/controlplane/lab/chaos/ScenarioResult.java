package io.fulcrum.controlplane.lab.chaos;

import java.util.List;

/**
 * One scenario's outcome: what the workload counted (null when it was skipped, with the reason) and what was done.
 *
 * @param killedBackend the backend scenario 6 killed (its flows may fail), else null
 */
public record ScenarioResult(Scenario scenario, WorkloadResult workload, String skipped, String killedBackend,
    List<String> steps)
{
    /** New connections may fail for this long after a backend dies: 3 failed checks 500 ms apart, with margin. */
    public static final long HEALTH_CHECK_LIMIT_MS = 4000;

    public static ScenarioResult skipped(final Scenario scenario, final String why)
    {
        return new ScenarioResult(scenario, null, why, null, List.of());
    }

    public boolean wasSkipped()
    {
        return workload == null;
    }

    /**
     * The goal: for a backend killed, only its flows fail and new connections stop failing once the health
     * check took it out; for every other fault, no established connection is lost and every new connection started
     * after the outage is answered.
     */
    public boolean goalMet()
    {
        if (wasSkipped())
        {
            return false;
        }
        if (scenario == Scenario.BACKEND_KILLED)
        {
            return workload.lostElsewhere(killedBackend) == 0
                && workload.newFailedLaterThan(HEALTH_CHECK_LIMIT_MS) == 0;
        }
        return workload.lost() == 0 && workload.newFailedAfterOutage() == 0;
    }

    public String verdict()
    {
        return wasSkipped() ? "SKIPPED" : goalMet() ? "met" : "MISSED";
    }
}
