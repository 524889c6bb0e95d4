package io.fulcrum.dataplane.sync;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import io.fulcrum.dataplane.stats.CounterType;

/**
 * Sync's counters in the counters file ({@code fulcrum stat} shows them): the agent's, of type
 * {@link CounterType#SYNC} with the owner id naming which, written by the sync agent alone, and each worker's
 * records dropped because its ring was full ({@link CounterType#SYNC_RING_DROPPED}), written by that worker alone.
 */
public final class SyncCounters
{
    public static final int ROLE = 0;
    public static final int RECORDS_SENT = 1;
    public static final int DATAGRAMS_SENT = 2;
    public static final int BYTES_SENT = 3;
    public static final int RETRANSMITTED = 4;
    public static final int RESYNCS_STARTED = 5;
    public static final int RESYNCS_COMPLETED = 6;
    public static final int DATAGRAMS_RECEIVED = 7;
    public static final int RECORDS_RECEIVED = 8;
    public static final int RECORDS_INSTALLED = 9;
    public static final int UNRESOLVED = 10;
    public static final int REFUSED_AUTHENTICATION = 11;
    public static final int REFUSED_REPLAY = 12;
    public static final int REFUSED_STALE_SESSION = 13;
    public static final int MALFORMED = 14;
    public static final int GAPS = 15;
    public static final int INSTALL_RING_FULL = 16;
    public static final int DISCARDED_NO_STANDBY = 17;
    public static final int PEER_SESSIONS = 18;
    public static final int MEMORY_BYTES = 19;
    public static final int MAX_BYTES_PER_SECOND = 20;
    public static final int SEND_ERRORS = 21;
    /** OPEN records whose backend this appliance did not know yet, held until its own reload adds it. */
    public static final int HELD_UNKNOWN_BACKEND = 22;
    public static final int COUNT = 23;

    private static final String[] NAMES = {
        "role (0 off, 1 master, 2 backup)", "records sent", "datagrams sent", "bytes sent", "datagrams retransmitted",
        "resyncs started", "resyncs completed", "datagrams received", "records received", "records installed",
        "records with unknown backend", "refused: authentication", "refused: replayed or duplicate",
        "refused: stale session", "refused: malformed", "gaps not repairable", "install ring full",
        "records discarded (no standby)", "peer sessions", "memory bytes", "max bytes per second", "send errors",
        "records held for a backend not known yet"};

    private final AtomicCounter[] counters = new AtomicCounter[COUNT];

    public SyncCounters(final CountersManager manager)
    {
        for (int i = 0; i < COUNT; i++)
        {
            counters[i] = manager.newCounter("sync: " + NAMES[i], CounterType.SYNC);
            manager.setCounterOwnerId(counters[i].id(), i);
            manager.setCounterReferenceId(counters[i].id(), -1);
        }
    }

    /** A worker's counter of change records dropped because its ring was full. */
    public static AtomicCounter ringDropped(final CountersManager manager, final int workerId)
    {
        final AtomicCounter counter =
            manager.newCounter("sync records dropped (ring full) [worker " + workerId + "]",
                CounterType.SYNC_RING_DROPPED);
        manager.setCounterOwnerId(counter.id(), 0);
        manager.setCounterReferenceId(counter.id(), workerId);
        return counter;
    }

    public AtomicCounter get(final int which)
    {
        return counters[which];
    }

    public static String name(final int which)
    {
        return which >= 0 && which < COUNT ? NAMES[which] : "unknown";
    }

    void increment(final int which)
    {
        counters[which].incrementRelease();
    }

    void add(final int which, final long amount)
    {
        counters[which].getAndAddRelease(amount);
    }

    void set(final int which, final long value)
    {
        counters[which].setRelease(value);
    }

    public long value(final int which)
    {
        return counters[which].get();
    }
}
