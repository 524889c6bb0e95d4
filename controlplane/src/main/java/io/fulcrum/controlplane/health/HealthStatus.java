package io.fulcrum.controlplane.health;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A target's state and its most recent results.
 *
 * @param history at most {@link #HISTORY} results, oldest first
 */
public record HealthStatus(HealthState state, List<Result> history)
{
    public static final int HISTORY = 10;

    public HealthStatus
    {
        Objects.requireNonNull(state, "state");
        history = List.copyOf(history);
    }

    /**
     * One check run.
     *
     * @param at     when it finished, by the checker's clock
     * @param millis how long it took
     * @param detail what happened in plain words: "connected", "HTTP 503", "timeout after 1000 ms connecting",
     *               "connection refused"
     */
    public record Result(Instant at, boolean ok, long millis, String detail)
    {
        public Result
        {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
