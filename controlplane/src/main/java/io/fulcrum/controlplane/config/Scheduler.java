package io.fulcrum.controlplane.config;

/** How a service picks a backend for a new flow ({@code services[].scheduler}). */
public enum Scheduler
{
    /** Maglev consistent hashing (Eisenbud et al., NSDI 2016): the same flow maps to the same backend on every box. */
    MAGLEV("maglev");

    private final String yamlName;

    Scheduler(final String yamlName)
    {
        this.yamlName = yamlName;
    }

    public String yamlName()
    {
        return yamlName;
    }
}
