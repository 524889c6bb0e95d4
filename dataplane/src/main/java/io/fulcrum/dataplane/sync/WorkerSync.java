package io.fulcrum.dataplane.sync;

import java.nio.ByteBuffer;

import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;

import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.flow.ConnectionTable;
import io.fulcrum.dataplane.flow.FlowKey;

/**
 * The meeting point of one worker and the sync agent: two single-producer single-consumer rings and a resync
 * request. The worker writes its connection-table changes into {@link #changes} (never waiting: when the ring is
 * full the record is dropped and counted, and the agent repairs the loss with a bulk resync) and applies the synced
 * flows the agent puts into {@link #installs}; both in its own duty cycle, since the connection table has that worker
 * as its only writer. Nothing here allocates after construction.
 */
public final class WorkerSync implements ConnectionTable.EntryConsumer
{
    /** A ring slot: the record plus Agrona's 8-byte record header, 8-byte aligned. */
    static final int SLOT = BitUtil.align(SyncRecord.LENGTH + 8, 8);
    /** Table slots a resync walk reads per duty cycle: a few microseconds, so forwarding never waits long. */
    static final int RESYNC_SLOTS_PER_CYCLE = 64;
    /** Installs applied per duty cycle. */
    static final int INSTALLS_PER_CYCLE = 64;

    private final int workerId;
    private final OneToOneRingBuffer changes;
    private final OneToOneRingBuffer installs;
    private final MutableDirectBuffer changesBuffer;
    private final AtomicCounter dropped;
    private final InstallHandler installHandler = new InstallHandler();
    private final FlowKey installKey = new FlowKey();

    /** Written by the agent, read by the worker: the resync generation asked for. */
    private volatile long resyncRequested;
    /** Written by the worker, read by the agent: the last resync generation it finished walking. */
    private volatile long resyncCompleted;

    // Worker-side state of the walk.
    private long walking;
    private int walkCursor;
    private ForwardingTable walkTable;
    private ConnectionTable installTable;
    private long installNow;

    /**
     * @param ringBytes capacity of each ring in bytes (a power of two)
     * @param dropped   records dropped because the changes ring was full; this worker is its only writer
     */
    public WorkerSync(final int workerId, final int ringBytes, final AtomicCounter dropped)
    {
        this.workerId = workerId;
        this.changes = ring(ringBytes);
        this.installs = ring(ringBytes);
        this.changesBuffer = changes.buffer();
        this.dropped = dropped;
    }

    private static OneToOneRingBuffer ring(final int bytes)
    {
        if (!BitUtil.isPowerOfTwo(bytes) || bytes < 4 * SLOT)
        {
            throw new IllegalArgumentException("sync ring size must be a power of two of at least " + 4 * SLOT
                + " bytes: " + bytes);
        }
        final ByteBuffer memory = ByteBuffer.allocateDirect(bytes + RingBufferDescriptor.TRAILER_LENGTH);
        return new OneToOneRingBuffer(new UnsafeBuffer(memory));
    }

    public int workerId()
    {
        return workerId;
    }

    /** Off-heap bytes of both rings. */
    public long memoryBytes()
    {
        return 2L * changesBuffer.capacity();
    }

    // ---- worker side -------------------------------------------------------------------------------------------

    /** A new flow was recorded with this backend (worker thread, per packet: one ring claim, no allocation). */
    public void flowOpened(final FlowKey key, final long backendHi, final long backendLo)
    {
        writeOpen(key, backendHi, backendLo, 0);
    }

    /** A TCP FIN or RST was seen for the flow (worker thread). */
    public void flowClosing(final FlowKey key)
    {
        final int index = changes.tryClaim(SyncRecord.CLOSING, SyncRecord.LENGTH);
        if (index <= 0)
        {
            dropped.incrementRelease();
            return;
        }
        SyncRecord.writeKey(changesBuffer, index, SyncRecord.CLOSING, 0, key);
        SyncRecord.writeBackend(changesBuffer, index, 0, 0);
        changes.commit(index);
    }

    private boolean writeOpen(final FlowKey key, final long backendHi, final long backendLo, final int flags)
    {
        final int index = changes.tryClaim(SyncRecord.OPEN, SyncRecord.LENGTH);
        if (index <= 0)
        {
            dropped.incrementRelease();
            return false;
        }
        SyncRecord.writeKey(changesBuffer, index, SyncRecord.OPEN, flags, key);
        SyncRecord.writeBackend(changesBuffer, index, backendHi, backendLo);
        changes.commit(index);
        return true;
    }

    /**
     * The worker's share of sync in its duty cycle: apply synced flows (standby) and take one step of a requested
     * resync walk (master). Bounded work; returns how much was done.
     */
    public int doWork(final ConnectionTable connections, final ForwardingTable table, final long nowMillis)
    {
        installTable = connections;
        installNow = nowMillis;
        int work = installs.read(installHandler, INSTALLS_PER_CYCLE);
        final long requested = resyncRequested;
        if (requested != walking)
        {
            walking = requested; // a new request restarts the walk from the first slot
            walkCursor = 0;
        }
        if (requested != resyncCompleted)
        {
            // Only walk as many slots as the ring has room for records: the walk waits rather than drop any.
            final int room = (changes.capacity() - changes.size()) / SLOT - 1;
            if (room > 0)
            {
                walkTable = table;
                walkCursor = connections.forEachLive(
                    walkCursor, Math.min(room, RESYNC_SLOTS_PER_CYCLE), nowMillis, this);
                work++;
                if (walkCursor >= connections.capacity())
                {
                    resyncCompleted = requested;
                }
            }
        }
        return work;
    }

    /** One live entry met by the resync walk. */
    @Override
    public void accept(final FlowKey key, final int backendId, final long lastSeenMillis, final boolean closing)
    {
        if (walkTable.keepsFlows(backendId))
        {
            writeOpen(key, walkTable.backendHi(backendId), walkTable.backendLo(backendId),
                closing ? SyncRecord.FLAG_CLOSING : 0);
        }
    }

    private final class InstallHandler implements org.agrona.concurrent.MessageHandler
    {
        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final FlowKey key = SyncRecord.readKey(buffer, index, installKey);
            final long hash = key.hash();
            if (msgTypeId == SyncRecord.OPEN)
            {
                installTable.install(key, hash, buffer.getInt(index + SyncRecord.BACKEND_ID, SyncRecord.ORDER),
                    installNow);
                if ((SyncRecord.flags(buffer, index) & SyncRecord.FLAG_CLOSING) != 0)
                {
                    installTable.markClosing(key, hash, installNow);
                }
            }
            else if (msgTypeId == SyncRecord.CLOSING)
            {
                installTable.markClosing(key, hash, installNow);
            }
        }
    }

    // ---- agent side --------------------------------------------------------------------------------------------

    /** Reads up to {@code limit} change records (agent thread). */
    int drainChanges(final org.agrona.concurrent.MessageHandler handler, final int limit)
    {
        return changes.read(handler, limit);
    }

    /**
     * Puts a resolved record into the install ring (agent thread): the record's bytes with the local backend id.
     * False when the ring is full.
     */
    boolean install(final org.agrona.DirectBuffer record, final int offset, final int type, final int backendId)
    {
        final int index = installs.tryClaim(type, SyncRecord.LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = installs.buffer();
        buffer.putBytes(index, record, offset, SyncRecord.LENGTH);
        buffer.putInt(index + SyncRecord.BACKEND_ID, backendId, SyncRecord.ORDER);
        installs.commit(index);
        return true;
    }

    /** Asks the worker to walk its table into the changes ring (agent thread). */
    void requestResync(final long generation)
    {
        resyncRequested = generation;
    }

    boolean resyncCompleted(final long generation)
    {
        return resyncCompleted == generation;
    }

    /** Records dropped because the changes ring was full, since start. */
    public long dropped()
    {
        return dropped.get();
    }

    /** Bytes waiting in the install ring: zero once the worker has applied everything handed to it. */
    public int pendingInstallBytes()
    {
        return installs.size();
    }
}
