package io.fulcrum.dataplane.sync;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The master's side of sync: drains the workers' change rings into datagrams, numbers them, keeps each until the
 * standby acknowledges it and sends it again when it is not acknowledged in time, within a bandwidth budget (a token
 * bucket). Datagrams are built in place in the retransmit store, so a record is copied once, ring to store.
 *
 * <p>A datagram is also sent again at once, without waiting for the timeout, when the standby acknowledges one that
 * was sent after it (selectively or cumulatively) while it is still missing: on a single link that does not
 * reorder, it was lost. This shortens the time a lost record is missing on the standby from the retransmit
 * timeout to about one round trip, except for the last datagram of a burst, which only the timeout repairs.
 *
 * <p>Falling behind is repaired by a bulk resync, never by making a worker wait: when a worker's ring overflowed,
 * when a datagram had to leave the store unacknowledged (the standby was away too long), when the standby asks, or
 * when it starts a new session, the sender asks every worker to walk its table into its ring.
 */
final class FlowSender
{
    private final SyncSettings settings;
    private final SyncTransport transport;
    private final WorkerSync[] workers;
    private final SyncCounters counters;
    private final ByteBuffer storeMemory;
    private final UnsafeBuffer store;
    private final SyncMessage message = new SyncMessage();
    private final int slots;
    private final int slotMask;
    private final long[] slotSequence;
    private final long[] slotSentAt;
    /** Order of each slot's last transmission (a counter): tells which datagram left before which. */
    private final long[] slotSendOrder;
    private final int[] slotLength;
    private final int[] slotFlags;
    private final int recordsPerDatagram;
    private final long peerTimeoutMillis;
    private final long burstBytes;
    private final RecordCopier copier = new RecordCopier();
    private final MessageHandler discarder = (type, buffer, index, length) -> { };
    private final long[] droppedSeen;
    /** A send time that makes the datagram due for retransmission at the next duty cycle. */
    private static final long RETRANSMIT_NOW = Long.MIN_VALUE / 2;

    private long epoch;
    private long peerEpoch;
    private long lastStatusSequence;
    private long lastHeardMillis;
    private long nextSequence;
    private long lowestUnacked;
    private long sendOrder;
    /** The latest transmission order known to have reached the standby. */
    private long deliveredOrder;
    private int building;
    private long tokens;
    private long lastRefillMillis;
    private boolean needResync;
    private boolean resyncing;
    /** A resync finished: the next datagram, even an empty one, tells the standby so. */
    private boolean resyncEndPending;
    private long resyncGeneration;
    private long lastResyncMillis;
    private int nextWorker;

    FlowSender(final SyncSettings settings, final SyncTransport transport, final WorkerSync[] workers,
        final SyncCounters counters)
    {
        this.settings = settings;
        this.transport = transport;
        this.workers = workers;
        this.counters = counters;
        this.slots = settings.retransmitDatagrams();
        this.slotMask = slots - 1;
        this.storeMemory = ByteBuffer.allocateDirect(slots * settings.datagramBytes());
        this.store = new UnsafeBuffer(storeMemory);
        this.slotSequence = new long[slots];
        this.slotSentAt = new long[slots];
        this.slotSendOrder = new long[slots];
        this.slotLength = new int[slots];
        this.slotFlags = new int[slots];
        this.recordsPerDatagram = settings.recordsPerDatagram();
        this.peerTimeoutMillis = Math.max(1000, 10 * settings.statusIntervalMillis());
        this.burstBytes = Math.max(4L * settings.datagramBytes(), settings.maxBytesPerSecond() / 50);
        this.droppedSeen = new long[workers.length];
    }

    /** A new session: a new epoch, no peer until it announces itself, and a resync once it does. */
    void start(final long nowMillis, final long newEpoch)
    {
        epoch = newEpoch;
        peerEpoch = 0;
        lastStatusSequence = 0;
        lastHeardMillis = nowMillis;
        resetStream();
        tokens = burstBytes;
        lastRefillMillis = nowMillis;
        lastResyncMillis = nowMillis;
        for (int i = 0; i < workers.length; i++)
        {
            droppedSeen[i] = workers[i].dropped();
        }
    }

    private void resetStream()
    {
        nextSequence = 1;
        lowestUnacked = 1;
        building = 0;
        deliveredOrder = 0;
        Arrays.fill(slotSequence, 0);
        needResync = true;
    }

    long epoch()
    {
        return epoch;
    }

    /** An authenticated STATUS from the standby. */
    void onStatus(final SyncMessage status, final long nowMillis)
    {
        if (status.epoch() != peerEpoch)
        {
            if (peerEpoch != 0 && status.peerEpoch() == epoch)
            {
                // A standby session that already knew ours yet is not the current one: an old datagram again.
                counters.increment(SyncCounters.REFUSED_STALE_SESSION);
                return;
            }
            // A standby that started (or restarted its session): it has nothing of ours, so start over.
            peerEpoch = status.epoch();
            lastStatusSequence = status.sequence();
            lastHeardMillis = nowMillis;
            counters.increment(SyncCounters.PEER_SESSIONS);
            resetStream();
            return;
        }
        if (status.sequence() <= lastStatusSequence)
        {
            counters.increment(SyncCounters.REFUSED_REPLAY);
            return;
        }
        lastStatusSequence = status.sequence();
        lastHeardMillis = nowMillis;
        if (status.peerEpoch() == epoch)
        {
            acknowledge(status.mark(), status.selectiveAck());
        }
        if ((status.flags() & SyncMessage.FLAG_RESYNC_REQUEST) != 0 && !resyncing)
        {
            needResync = true;
        }
    }

    private void acknowledge(final long cumulative, final long selective)
    {
        final long highest = Math.min(nextSequence - 1, cumulative + 65);
        if (cumulative >= lowestUnacked && cumulative < nextSequence)
        {
            for (long sequence = Math.max(lowestUnacked, cumulative - slots + 1); sequence <= cumulative; sequence++)
            {
                delivered(sequence);
            }
            lowestUnacked = cumulative + 1;
        }
        for (int i = 0; i < 64; i++)
        {
            final long sequence = cumulative + 2 + i;
            if ((selective & (1L << i)) != 0 && sequence < nextSequence)
            {
                final int slot = (int)sequence & slotMask;
                if (slotSequence[slot] == sequence)
                {
                    delivered(sequence);
                    slotSentAt[slot] = Long.MAX_VALUE; // received: never sent again
                }
            }
        }
        // Still missing though sent before one that arrived: lost. Due now, not after the timeout.
        for (long sequence = lowestUnacked; sequence <= highest; sequence++)
        {
            final int slot = (int)sequence & slotMask;
            if (slotSequence[slot] == sequence && slotSentAt[slot] != Long.MAX_VALUE &&
                slotSentAt[slot] != RETRANSMIT_NOW && slotSendOrder[slot] < deliveredOrder)
            {
                slotSentAt[slot] = RETRANSMIT_NOW;
            }
        }
    }

    private void delivered(final long sequence)
    {
        final int slot = (int)sequence & slotMask;
        if (slotSequence[slot] == sequence && slotSentAt[slot] != Long.MAX_VALUE)
        {
            deliveredOrder = Math.max(deliveredOrder, slotSendOrder[slot]);
        }
    }

    int doWork(final long nowMillis)
    {
        refill(nowMillis);
        checkRingDrops();
        if (peerEpoch == 0 || nowMillis - lastHeardMillis > peerTimeoutMillis)
        {
            // No standby listening: what the workers record now reaches it through the resync when it is back.
            int discarded = 0;
            for (final WorkerSync worker : workers)
            {
                discarded += worker.drainChanges(discarder, 1024);
            }
            if (discarded > 0)
            {
                counters.add(SyncCounters.DISCARDED_NO_STANDBY, discarded);
                needResync = true;
            }
            return discarded;
        }
        int work = 0;
        if (resyncing && allWorkersCompleted())
        {
            resyncing = false;
            resyncEndPending = true;
            lastResyncMillis = nowMillis;
            counters.increment(SyncCounters.RESYNCS_COMPLETED);
            work++;
        }
        if (!resyncing && settings.resyncIntervalMillis() > 0 &&
            nowMillis - lastResyncMillis >= settings.resyncIntervalMillis())
        {
            needResync = true;
        }
        if (needResync && !resyncing)
        {
            needResync = false;
            resyncing = true;
            resyncGeneration++;
            for (final WorkerSync worker : workers)
            {
                worker.requestResync(resyncGeneration);
            }
            counters.increment(SyncCounters.RESYNCS_STARTED);
            work++;
        }
        work += retransmit(nowMillis);
        work += fill(nowMillis);
        return work;
    }

    private void refill(final long nowMillis)
    {
        final long elapsed = nowMillis - lastRefillMillis;
        if (elapsed > 0)
        {
            tokens = Math.min(burstBytes, tokens + elapsed * settings.maxBytesPerSecond() / 1000);
            lastRefillMillis = nowMillis;
        }
    }

    /** A worker dropped records since the last look: only a resync can bring them back. */
    private void checkRingDrops()
    {
        for (int i = 0; i < workers.length; i++)
        {
            final long dropped = workers[i].dropped();
            if (dropped != droppedSeen[i])
            {
                droppedSeen[i] = dropped;
                needResync = true;
            }
        }
    }

    private boolean allWorkersCompleted()
    {
        for (final WorkerSync worker : workers)
        {
            if (!worker.resyncCompleted(resyncGeneration))
            {
                return false;
            }
        }
        return true;
    }

    private int retransmit(final long nowMillis)
    {
        int sent = 0;
        final long from = Math.max(lowestUnacked, nextSequence - slots);
        for (long sequence = from; sequence < nextSequence && sent < 32; sequence++)
        {
            final int slot = (int)sequence & slotMask;
            if (slotSequence[slot] != sequence || slotSentAt[slot] == Long.MAX_VALUE ||
                nowMillis - slotSentAt[slot] < settings.retransmitTimeoutMillis())
            {
                continue;
            }
            if (tokens < slotLength[slot])
            {
                break;
            }
            send(slot, slotLength[slot], nowMillis);
            counters.increment(SyncCounters.RETRANSMITTED);
            sent++;
        }
        return sent;
    }

    /** Moves records from the workers' rings into datagrams and sends each when full, or at the end of the cycle. */
    private int fill(final long nowMillis)
    {
        int records = 0;
        int emptyInARow = 0;
        while (tokens >= settings.datagramBytes() && emptyInARow < workers.length)
        {
            final int read = workers[nextWorker].drainChanges(copier, recordsPerDatagram - building);
            records += read;
            emptyInARow = read == 0 ? emptyInARow + 1 : 0;
            if (building == recordsPerDatagram)
            {
                flush(nowMillis);
            }
            nextWorker = nextWorker + 1 == workers.length ? 0 : nextWorker + 1; // round robin: no worker starves
        }
        if ((building > 0 || resyncEndPending) && tokens >= SyncMessage.dataLength(building))
        {
            flush(nowMillis);
        }
        return records;
    }

    private int slotOffset(final long sequence)
    {
        return ((int)sequence & slotMask) * settings.datagramBytes();
    }

    private void flush(final long nowMillis)
    {
        if (building == 0)
        {
            claimSlot();
        }
        final int slot = (int)nextSequence & slotMask;
        final int offset = slotOffset(nextSequence);
        slotFlags[slot] = resyncEndPending ? SyncMessage.FLAG_RESYNC_COMPLETE : 0;
        resyncEndPending = false;
        message.wrap(store, offset)
            .header(SyncMessage.DATA, 0, epoch, peerEpoch, nextSequence)
            .count(building);
        final int length = SyncMessage.dataLength(building) - MessageAuthenticator.MAC_LENGTH;
        slotSequence[slot] = nextSequence;
        slotLength[slot] = length;
        counters.add(SyncCounters.RECORDS_SENT, building);
        nextSequence++;
        building = 0;
        send(slot, length, nowMillis);
    }

    private void send(final int slot, final int length, final long nowMillis)
    {
        final int offset = slot * settings.datagramBytes();
        message.wrap(store, offset)
            .mark(Math.max(lowestUnacked, nextSequence - slots + 1))
            .flags(slotFlags[slot]);
        transport.send(store, storeMemory, offset, length);
        slotSentAt[slot] = nowMillis;
        slotSendOrder[slot] = ++sendOrder;
        tokens -= length + MessageAuthenticator.MAC_LENGTH;
        counters.increment(SyncCounters.DATAGRAMS_SENT);
        counters.add(SyncCounters.BYTES_SENT, length + MessageAuthenticator.MAC_LENGTH);
    }

    /** Copies one change record from a worker's ring into the datagram being built. */
    private final class RecordCopier implements MessageHandler
    {
        @Override
        public void onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (building == 0)
            {
                claimSlot();
            }
            store.putBytes(slotOffset(nextSequence) + SyncMessage.recordOffset(building), buffer, index,
                SyncRecord.LENGTH);
            building++;
        }
    }

    /**
     * The slot of the next datagram still holds one the standby has not acknowledged: the standby has been away for
     * a whole store's worth; that datagram is given up and a resync will bring back what it held.
     */
    private void claimSlot()
    {
        final int slot = (int)nextSequence & slotMask;
        final long previous = slotSequence[slot];
        if (previous != 0 && previous >= lowestUnacked && slotSentAt[slot] != Long.MAX_VALUE)
        {
            counters.increment(SyncCounters.GAPS);
            needResync = true;
        }
        slotSequence[slot] = 0;
    }
}
