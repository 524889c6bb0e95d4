package io.fulcrum.dataplane.balance.scheduler;

import io.fulcrum.dataplane.balance.MaglevTable;

import java.util.List;

/** The schedulers a service can name ({@code services[].scheduler}), and the factory of each. */
public enum SchedulerKind
{
    MAGLEV("maglev"),
    IP_HASH("ip-hash"),
    ROUND_ROBIN("round-robin"),
    LEAST_CONNECTIONS("least-connections"),
    LEAST_RESPONSE_TIME("least-response-time"),
    RANDOM_TWO_CHOICES("random-two-choices");

    private static final SchedulerKind[] KINDS = values();

    private final String yamlName;

    SchedulerKind(final String yamlName)
    {
        this.yamlName = yamlName;
    }

    /** The name in the configuration file. */
    public String yamlName()
    {
        return yamlName;
    }

    /**
     * True when the scheduler decides on observed responses ({@link BackendLoad#end(long, long)}), which the DSR data
     * plane never sees: such a scheduler works in the proxy modes only.
     */
    public boolean needsResponses()
    {
        return this == LEAST_RESPONSE_TIME;
    }

    /**
     * A scheduler over the candidates that take new work (active, weight above 0); with none, it picks null.
     *
     * @param candidates      with distinct backend ids
     * @param maglevTableSize the Maglev table's size, a prime ({@link MaglevTable#DEFAULT_SIZE}); used by
     *                        {@link #MAGLEV} and {@link #IP_HASH} only
     */
    public Scheduler build(final List<Candidate> candidates, final int maglevTableSize)
    {
        return switch (this)
        {
            case MAGLEV -> new MaglevScheduler(candidates, maglevTableSize);
            case IP_HASH -> new IpHashScheduler(candidates, maglevTableSize);
            case ROUND_ROBIN -> new SmoothWeightedRoundRobin(candidates);
            case LEAST_CONNECTIONS -> new LeastConnections(candidates);
            case LEAST_RESPONSE_TIME -> new LeastResponseTime(candidates);
            case RANDOM_TWO_CHOICES -> new RandomTwoChoices(candidates);
        };
    }

    /** @throws IllegalArgumentException naming the schedulers there are, when {@code name} is none of them */
    public static SchedulerKind ofYamlName(final String name)
    {
        for (final SchedulerKind kind : KINDS)
        {
            if (kind.yamlName.equals(name))
            {
                return kind;
            }
        }
        final StringBuilder names = new StringBuilder();
        for (final SchedulerKind kind : KINDS)
        {
            names.append(names.isEmpty() ? "" : ", ").append(kind.yamlName);
        }
        throw new IllegalArgumentException("unknown scheduler '" + name + "': one of " + names);
    }
}
