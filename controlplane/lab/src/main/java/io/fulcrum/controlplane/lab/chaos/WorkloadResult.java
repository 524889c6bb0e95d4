package io.fulcrum.controlplane.lab.chaos;

import java.util.List;
import java.util.Map;

/**
 * What a {@link Workload} counted.
 *
 * @param connections          long-lived connections opened (each answered once before the fault)
 * @param lost                 long-lived connections lost: reset, closed, timed out or moved to another backend
 * @param lostByReason         the same, by reason
 * @param lostByBackend        the same, by the backend the connection had started on
 * @param backends             long-lived connections by the backend they started on
 * @param requestsSent         requests sent on long-lived connections
 * @param requestsAnswered     of those, answered by the connection's own backend
 * @param requestsFailed       of those, never answered (or answered wrongly)
 * @param newAttempted         new connections started (connect, one request, close)
 * @param newAnswered          of those, answered
 * @param newFailed            of those, failed (refused, reset, no answer within the timeout)
 * @param newFailedAfterOutage new connections that failed although started after the outage had ended
 * @param newFailureReasons    the failures of new connections, by reason
 * @param newFailureStartsMs   when each failed new connection was started, in ms after the fault
 * @param outageMillis         the longest stretch in which no request at all was answered, at the client
 * @param outageStartMillis    when that stretch began, in ms after the fault (negative: before it)
 */
public record WorkloadResult(int connections, int lost, Map<String, Integer> lostByReason,
    Map<String, Integer> lostByBackend, Map<String, Integer> backends, long requestsSent, long requestsAnswered,
    long requestsFailed, int newAttempted, int newAnswered, int newFailed, int newFailedAfterOutage,
    Map<String, Integer> newFailureReasons, List<Long> newFailureStartsMs, long outageMillis, long outageStartMillis)
{
    /** Connections lost that had started on a backend other than {@code backend}. */
    public int lostElsewhere(final String backend)
    {
        return lost - lostByBackend.getOrDefault(backend, 0);
    }

    /** New connections that failed although started more than {@code millis} after the fault. */
    public long newFailedLaterThan(final long millis)
    {
        return newFailureStartsMs.stream().filter(start -> start > millis).count();
    }

    public String describe()
    {
        return connections + " long-lived connections " + backends + ": " + lost + " lost " + lostByReason
            + (lost == 0 ? "" : " (by backend " + lostByBackend + ")") + "; requests " + requestsSent + " sent, "
            + requestsAnswered + " answered, " + requestsFailed + " failed; new connections " + newAttempted
            + " started, " + newFailed + " failed" + (newFailed == 0 ? "" : " " + newFailureReasons + " at "
            + newFailureStartsMs + " ms after the fault") + ", " + newFailedAfterOutage + " of them after the outage; "
            + "outage " + outageMillis + " ms from " + outageStartMillis + " ms after the fault";
    }
}
