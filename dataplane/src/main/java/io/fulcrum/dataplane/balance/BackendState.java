package io.fulcrum.dataplane.balance;

/** What the control plane allows for a backend; workers read it from the published {@link ForwardingTable}. */
public enum BackendState
{
    /** Receives new flows and keeps its established ones. */
    ACTIVE,
    /** Operator drain: no new flows, established flows stay until they end. */
    DRAINING,
    /** Failed its health check or disabled by the operator: no traffic; established flows are re-picked. */
    DOWN
}
