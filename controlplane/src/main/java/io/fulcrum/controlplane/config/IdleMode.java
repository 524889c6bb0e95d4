package io.fulcrum.controlplane.config;

/** What a worker does when a poll found no packets ({@code dataplane.idle}), like Agrona's idle strategies. */
public enum IdleMode
{
    /** Spin on the core: lowest latency, one core at 100% per worker. */
    BUSY_SPIN("busy-spin"),
    /** Thread.yield between empty polls. */
    YIELD("yield"),
    /** Spin, then yield, then park for growing intervals: cheap on an idle box, a few microseconds to wake. */
    BACKOFF("backoff");

    private final String yamlName;

    IdleMode(final String yamlName)
    {
        this.yamlName = yamlName;
    }

    public String yamlName()
    {
        return yamlName;
    }
}
