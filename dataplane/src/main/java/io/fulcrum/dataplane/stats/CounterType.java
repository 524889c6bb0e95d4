package io.fulcrum.dataplane.stats;

/**
 * Type ids of the counters Fulcrum writes into the counters file. A counter's owner id names the object it counts
 * (service id, backend id, drop reason) and its reference id the worker that writes it: every counter has a single
 * writer, and readers sum the workers' counters of one type and owner.
 */
public final class CounterType
{
    public static final int WORKER_RX_PACKETS = 1;
    public static final int WORKER_TX_PACKETS = 2;
    public static final int WORKER_PASS_PACKETS = 3;
    public static final int WORKER_DROP = 4;
    public static final int WORKER_FLOW_EVICTIONS = 5;
    public static final int WORKER_ACTIVE_FLOWS = 6;
    public static final int WORKER_BUSY_CYCLES = 7;
    public static final int WORKER_IDLE_CYCLES = 8;
    public static final int WORKER_ICMP_TOO_BIG_SENT = 9;
    /** The longest duty cycle a worker has had, in ns: per worker (a maximum, not summed). */
    public static final int WORKER_LONGEST_CYCLE_NS = 10;
    /** Duty cycles longer than {@link io.fulcrum.dataplane.agent.DutyCycleTracker#STALL_THRESHOLD_NS}. */
    public static final int WORKER_STALLED_CYCLES = 11;
    /** Exceptions an agent's doWork threw (each distinct one is in the counters file's error log). */
    public static final int AGENT_ERRORS = 12;
    public static final int SERVICE_PACKETS = 20;
    public static final int SERVICE_BYTES = 21;
    public static final int SERVICE_NEW_FLOWS = 22;
    public static final int BACKEND_PACKETS = 30;
    public static final int BACKEND_BYTES = 31;
    public static final int BACKEND_NEW_FLOWS = 32;
    /** Connection-state sync, the agent's; the owner id says which (see SyncCounters). */
    public static final int SYNC = 40;
    /** Flow changes a worker dropped because its sync ring was full (sync repairs them with a resync). */
    public static final int SYNC_RING_DROPPED = 41;

    private CounterType()
    {
    }

    public static String name(final int typeId)
    {
        return switch (typeId)
        {
            case WORKER_RX_PACKETS -> "rx packets";
            case WORKER_TX_PACKETS -> "tx packets";
            case WORKER_PASS_PACKETS -> "passed to host";
            case WORKER_DROP -> "dropped";
            case WORKER_FLOW_EVICTIONS -> "flows evicted (table full)";
            case WORKER_ACTIVE_FLOWS -> "active flows";
            case WORKER_BUSY_CYCLES -> "busy duty cycles";
            case WORKER_IDLE_CYCLES -> "idle duty cycles";
            case WORKER_ICMP_TOO_BIG_SENT -> "icmp too-big sent";
            case WORKER_LONGEST_CYCLE_NS -> "longest duty cycle, ns";
            case WORKER_STALLED_CYCLES -> "duty cycles over 1 ms";
            case AGENT_ERRORS -> "agent errors";
            case SERVICE_PACKETS, BACKEND_PACKETS -> "packets";
            case SERVICE_BYTES, BACKEND_BYTES -> "bytes";
            case SERVICE_NEW_FLOWS, BACKEND_NEW_FLOWS -> "new flows";
            case SYNC -> "sync";
            case SYNC_RING_DROPPED -> "sync records dropped (ring full)";
            default -> "type " + typeId;
        };
    }
}
