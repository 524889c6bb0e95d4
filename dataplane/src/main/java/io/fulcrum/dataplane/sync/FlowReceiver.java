package io.fulcrum.dataplane.sync;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.ForwardingTablePublisher;

/**
 * The standby's side of sync: accepts the master's datagrams in sequence order (holding a window of early ones),
 * refuses duplicates, replays and datagrams of another session, resolves each record's backend by address among the
 * backends of the service its destination matches here, and hands it to every worker's install ring. Acknowledges
 * cumulatively with a selective bitmap, and asks for a resync when it starts or after a gap the master can no
 * longer fill.
 *
 * <p>Replay protection: this side's session epoch is random and changes whenever the sender's session changes; the
 * master must echo it, so a datagram recorded in an earlier session is stale whatever its sequence number; within a
 * session, a sequence number is accepted once.
 *
 * <p>A record whose backend this appliance does not know (yet) is held, not dropped: the two appliances apply a
 * reload that adds a backend at slightly different moments, and the master may already have sent flows to it. Held
 * records are resolved again each time a new forwarding table is published, and given up (counted unresolved) after
 * {@link #HOLD_MILLIS}; a CLOSING record or a newer OPEN record for a held flow updates or replaces it, so order per
 * flow is kept.
 */
final class FlowReceiver
{
    private final SyncSettings settings;
    private final SyncTransport transport;
    private final WorkerSync[] workers;
    private final ForwardingTablePublisher tables;
    private final SyncCounters counters;
    private final SyncMessage message = new SyncMessage();
    private final ByteBuffer statusMemory;
    private final UnsafeBuffer statusBuffer;
    private final UnsafeBuffer window;
    private final long[] windowSequence;
    private final int windowSize;
    private final int windowMask;
    private final java.util.function.LongSupplier epochs;
    private final UnsafeBuffer held;
    private final long[] heldSince;

    /** Records held for a backend this appliance does not know yet. */
    static final int HELD_RECORDS = 1024;
    /** A held record whose backend has not appeared within this is given up. */
    static final long HOLD_MILLIS = 10_000;

    private long epoch;
    private long senderEpoch;
    private long nextExpected;
    private long statusSequence;
    private long lastStatusMillis;
    private boolean acknowledgePending;
    private boolean needResync;
    private int heldCount;
    /** The table the held records were last resolved against; null: resolve again at the next duty cycle. */
    private ForwardingTable heldTable;
    private long now;

    FlowReceiver(final SyncSettings settings, final SyncTransport transport, final WorkerSync[] workers,
        final ForwardingTablePublisher tables, final SyncCounters counters, final java.util.function.LongSupplier epochs)
    {
        this.settings = settings;
        this.transport = transport;
        this.workers = workers;
        this.tables = tables;
        this.counters = counters;
        this.epochs = epochs;
        this.statusMemory = ByteBuffer.allocateDirect(SyncMessage.HEADER_LENGTH + MessageAuthenticator.MAC_LENGTH);
        this.statusBuffer = new UnsafeBuffer(statusMemory);
        this.windowSize = settings.reorderDatagrams();
        this.windowMask = windowSize - 1;
        this.window = new UnsafeBuffer(ByteBuffer.allocateDirect(windowSize * settings.datagramBytes()));
        this.windowSequence = new long[windowSize];
        this.held = new UnsafeBuffer(ByteBuffer.allocateDirect(HELD_RECORDS * SyncRecord.LENGTH));
        this.heldSince = new long[HELD_RECORDS];
    }

    /** A new session: nothing accepted yet, and a resync asked for. */
    void start(final long nowMillis)
    {
        epoch = epochs.getAsLong();
        senderEpoch = 0;
        nextExpected = 1;
        Arrays.fill(windowSequence, 0);
        needResync = true;
        acknowledgePending = true;
        lastStatusMillis = nowMillis - settings.statusIntervalMillis();
    }

    long epoch()
    {
        return epoch;
    }

    /** An authenticated DATA datagram of {@code length} bytes in {@code buffer} at offset 0. */
    void onData(final UnsafeBuffer buffer, final int length, final long nowMillis)
    {
        now = nowMillis;
        message.wrap(buffer, 0);
        if (message.peerEpoch() != epoch)
        {
            counters.increment(SyncCounters.REFUSED_STALE_SESSION);
            return;
        }
        if (senderEpoch == 0)
        {
            senderEpoch = message.epoch();
            counters.increment(SyncCounters.PEER_SESSIONS);
        }
        else if (message.epoch() != senderEpoch)
        {
            // Another master session echoing ours: a new master, or an old datagram of ours replayed. Either way
            // start a new session of our own, which only a live master can answer.
            counters.increment(SyncCounters.REFUSED_STALE_SESSION);
            start(nowMillis);
            return;
        }
        if ((message.flags() & SyncMessage.FLAG_RESYNC_COMPLETE) != 0)
        {
            needResync = false;
        }
        final long sequence = message.sequence();
        acknowledgePending = true;
        if (sequence < nextExpected || windowSequence[(int)sequence & windowMask] == sequence)
        {
            counters.increment(SyncCounters.REFUSED_REPLAY);
            return;
        }
        final long oldestRetained = message.mark();
        final int count = message.count();
        if (oldestRetained > nextExpected)
        {
            skipTo(oldestRetained);
        }
        if (sequence >= nextExpected + windowSize)
        {
            return; // too early to hold: the master sends it again
        }
        if (sequence == nextExpected)
        {
            deliver(buffer, 0, count);
            nextExpected++;
            deliverHeld();
        }
        else
        {
            final int slot = (int)sequence & windowMask;
            window.putBytes(slot * settings.datagramBytes(), buffer, 0, length);
            windowSequence[slot] = sequence;
        }
    }

    /** The master no longer holds what we miss: apply what we hold up to there, and resync for the rest. */
    private void skipTo(final long oldestRetained)
    {
        counters.increment(SyncCounters.GAPS);
        needResync = true;
        while (nextExpected < oldestRetained)
        {
            final int slot = (int)nextExpected & windowMask;
            if (windowSequence[slot] == nextExpected)
            {
                final int offset = slot * settings.datagramBytes();
                deliver(window, offset, message.wrap(window, offset).count());
                windowSequence[slot] = 0;
            }
            nextExpected++;
            if (nextExpected + windowSize < oldestRetained)
            {
                nextExpected = oldestRetained - windowSize; // nothing older is held: skip the rest at once
            }
        }
        message.wrap(null, 0);
    }

    private void deliverHeld()
    {
        while (true)
        {
            final int slot = (int)nextExpected & windowMask;
            if (windowSequence[slot] != nextExpected)
            {
                return;
            }
            final int offset = slot * settings.datagramBytes();
            final int count = message.wrap(window, offset).count();
            deliver(window, offset, count);
            windowSequence[slot] = 0;
            nextExpected++;
        }
    }

    private void deliver(final DirectBuffer buffer, final int datagramOffset, final int count)
    {
        final ForwardingTable table = tables.current();
        for (int i = 0; i < count; i++)
        {
            final int offset = datagramOffset + SyncMessage.recordOffset(i);
            final int type = SyncRecord.type(buffer, offset);
            if (type == SyncRecord.OPEN)
            {
                final int backendId = resolve(table, buffer, offset);
                final int heldIndex = findHeld(buffer, offset);
                if (backendId < 0)
                {
                    hold(buffer, offset, heldIndex, table);
                    continue;
                }
                if (heldIndex >= 0)
                {
                    removeHeld(heldIndex); // this newer record of the flow replaces the held one
                }
                install(buffer, offset, type, backendId);
            }
            else if (type == SyncRecord.CLOSING)
            {
                final int heldIndex = findHeld(buffer, offset);
                if (heldIndex >= 0)
                {
                    // The flow's OPEN is held: it is installed closing, once its backend is known.
                    final int heldOffset = heldIndex * SyncRecord.LENGTH;
                    held.putShort(heldOffset + SyncRecord.FLAGS,
                        (short)(SyncRecord.flags(held, heldOffset) | SyncRecord.FLAG_CLOSING), SyncRecord.ORDER);
                }
                install(buffer, offset, type, 0);
            }
            else
            {
                counters.increment(SyncCounters.MALFORMED);
            }
        }
        counters.add(SyncCounters.RECORDS_RECEIVED, count);
    }

    private void install(final DirectBuffer buffer, final int offset, final int type, final int backendId)
    {
        for (final WorkerSync worker : workers)
        {
            if (!worker.install(buffer, offset, type, backendId))
            {
                counters.increment(SyncCounters.INSTALL_RING_FULL);
                needResync = true;
            }
        }
        counters.increment(SyncCounters.RECORDS_INSTALLED);
    }

    /** Keeps an OPEN record whose backend is not known here yet (replacing an older one of the same flow). */
    private void hold(final DirectBuffer buffer, final int offset, final int heldIndex, final ForwardingTable table)
    {
        final int index;
        if (heldIndex >= 0)
        {
            index = heldIndex;
        }
        else if (heldCount < HELD_RECORDS)
        {
            index = heldCount++;
        }
        else
        {
            counters.increment(SyncCounters.UNRESOLVED);
            needResync = true; // too many at once: a resync brings them again once the table has caught up
            return;
        }
        held.putBytes(index * SyncRecord.LENGTH, buffer, offset, SyncRecord.LENGTH);
        heldSince[index] = now;
        counters.increment(SyncCounters.HELD_UNKNOWN_BACKEND);
        // Records held against an older table have not been tried against this one yet.
        heldTable = heldCount == 1 || heldTable == table ? table : null;
    }

    private int findHeld(final DirectBuffer buffer, final int offset)
    {
        for (int i = 0; i < heldCount; i++)
        {
            if (SyncRecord.sameFlow(held, i * SyncRecord.LENGTH, buffer, offset))
            {
                return i;
            }
        }
        return -1;
    }

    private void removeHeld(final int index)
    {
        final int last = --heldCount;
        if (index != last)
        {
            held.putBytes(index * SyncRecord.LENGTH, held, last * SyncRecord.LENGTH, SyncRecord.LENGTH);
            heldSince[index] = heldSince[last];
        }
    }

    /** Resolves the held records again when a new table was published, and gives up those held too long. */
    private int retryHeld(final long nowMillis)
    {
        final ForwardingTable table = tables.current();
        if (table == heldTable && nowMillis - oldestHeld() <= HOLD_MILLIS)
        {
            return 0;
        }
        heldTable = table;
        int work = 0;
        for (int i = heldCount - 1; i >= 0; i--)
        {
            final int offset = i * SyncRecord.LENGTH;
            final int backendId = resolve(table, held, offset);
            if (backendId >= 0)
            {
                install(held, offset, SyncRecord.OPEN, backendId);
                removeHeld(i);
                work++;
            }
            else if (nowMillis - heldSince[i] > HOLD_MILLIS)
            {
                counters.increment(SyncCounters.UNRESOLVED);
                removeHeld(i);
                work++;
            }
        }
        return work;
    }

    private long oldestHeld()
    {
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < heldCount; i++)
        {
            oldest = Math.min(oldest, heldSince[i]);
        }
        return oldest;
    }

    /**
     * This appliance's id of the record's backend: backend ids are per appliance (first-sight order), so a record
     * names the backend by address, found among the backends of the service that the flow's destination matches.
     */
    private static int resolve(final ForwardingTable table, final DirectBuffer buffer, final int offset)
    {
        final int service = table.matcher().match(
            buffer.getLong(offset + SyncRecord.DST_HI, SyncRecord.ORDER),
            buffer.getLong(offset + SyncRecord.DST_LO, SyncRecord.ORDER),
            buffer.getShort(offset + SyncRecord.DST_PORT, SyncRecord.ORDER) & 0xffff,
            buffer.getByte(offset + SyncRecord.PROTOCOL) & 0xff);
        if (service < 0)
        {
            return -1;
        }
        final long hi = SyncRecord.backendHi(buffer, offset);
        final long lo = SyncRecord.backendLo(buffer, offset);
        final List<Backend> backends = table.services().get(service).backends();
        for (int i = 0, n = backends.size(); i < n; i++)
        {
            final int id = backends.get(i).id();
            if (table.backendHi(id) == hi && table.backendLo(id) == lo)
            {
                return id;
            }
        }
        return -1;
    }

    int doWork(final long nowMillis)
    {
        now = nowMillis;
        if (heldCount > 0)
        {
            retryHeld(nowMillis);
        }
        if (acknowledgePending || nowMillis - lastStatusMillis >= settings.statusIntervalMillis())
        {
            sendStatus(nowMillis);
            return 1;
        }
        return 0;
    }

    private void sendStatus(final long nowMillis)
    {
        long selective = 0;
        for (int i = 0; i < 64 && i + 1 < windowSize; i++)
        {
            final long sequence = nextExpected + 1 + i;
            if (windowSequence[(int)sequence & windowMask] == sequence)
            {
                selective |= 1L << i;
            }
        }
        message.wrap(statusBuffer, 0)
            .header(SyncMessage.STATUS, needResync ? SyncMessage.FLAG_RESYNC_REQUEST : 0, epoch, senderEpoch,
                ++statusSequence)
            .mark(nextExpected - 1)
            .selectiveAck(selective);
        transport.send(statusBuffer, statusMemory, 0, SyncMessage.HEADER_LENGTH);
        acknowledgePending = false;
        lastStatusMillis = nowMillis;
    }
}
