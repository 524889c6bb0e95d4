package io.fulcrum.controlplane.daemon;

/** What the operator set for a backend (the health check decides the rest). */
public enum AdminState
{
    /** Takes traffic while healthy. */
    ENABLED,
    /** No new flows; established flows stay until they end. */
    DRAINING,
    /** No traffic at all; its established flows move to other backends. */
    DISABLED
}
