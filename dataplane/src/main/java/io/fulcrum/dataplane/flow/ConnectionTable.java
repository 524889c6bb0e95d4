package io.fulcrum.dataplane.flow;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.agrona.CloseHelper;

/**
 * Flow to backend: which backend each established flow was sent to, so that it keeps going there when the Maglev
 * table changes (Maglev, NSDI 2016, section 3.3: the connection tracking table).
 *
 * <p>Fixed capacity (a power of two), off-heap in one {@link MemorySegment}, one 64-byte cache line per entry holding
 * the whole key. Open addressing with linear probing bounded to a window of {@link #WINDOW} slots from the home slot
 * ({@code hash & (capacity - 1)}): a lookup reads at most that many adjacent cache lines. An insert into a window full
 * of live entries first tries to make room by moving neighbours within their own windows (hopscotch hashing), and
 * only if that fails evicts the stalest entry of the window instead of growing (counted in {@link #evictions()}).
 * Measured with random flows: 0.003% of inserts evict at half full, 0.15% at 70%, 0.7% at 80%; size the table at twice
 * the flows expected. Nothing is
 * allocated by {@link #lookup}, {@link #insert}, {@link #markClosing}, {@link #remove} or {@link #expire}.
 *
 * <p>Entries expire after an idle time chosen by protocol and state ({@link Timeouts}); an expired entry counts as
 * absent, and its slot is freed when a lookup meets it, when an insert reuses it, or by the incremental sweep
 * {@link #expire(long, int)} that workers run when idle.
 *
 * <p>Not thread-safe: one table per worker thread, used only by that thread (the memory comes from a shared arena, so
 * the thread that builds the table need not be the one that uses it).
 *
 * <p>The slots live either in anonymous memory (replay, tests) or in a memory-mapped file that survives the process
 * ({@link ConnectionTableFile}); the per-packet code is the same for both, it only sees a {@link MemorySegment}.
 *
 * <p>Slot layout, version {@link #LAYOUT_VERSION} (native byte order; kept here and nowhere else, because the table
 * lives in a memory-mapped file that survives restarts; {@link #LAYOUT_DESCRIPTION} is built from these offsets and
 * its checksum is in the file's header, so a build that moves a field refuses an old file):
 * <pre>
 * offset size field
 *  0      8   source address, high 64 bits
 *  8      8   source address, low 64 bits
 * 16      8   destination address, high 64 bits
 * 24      8   destination address, low 64 bits
 * 32      8   hash the entry was inserted with (compared first; lets a reader re-home entries into another capacity)
 * 40      8   last seen, milliseconds (the caller's clock)
 * 48      4   backend id
 * 52      4   reserved (0; meant for a service id)
 * 56      2   source port
 * 58      2   destination port
 * 60      1   IP protocol
 * 61      1   state: 0 empty, 1 open, 2 closing (FIN or RST seen)
 * 62      1   layout version of the entry ({@link #LAYOUT_VERSION}), 0 in an empty slot
 * 63      1   flags: bit 0 synced (installed from the peer, not yet forwarded here); 0 in files of earlier builds,
 *             which is right for them (not in {@link #LAYOUT_DESCRIPTION}: a byte that was always 0 keeps their files)
 * </pre>
 *
 * <p>{@link #flowCounts()} counts the entries per backend, but not a synced one until a packet of its flow is looked
 * up here: a standby's every worker holds a copy of every synced flow (it cannot know which worker the flow's packets
 * will reach), and only the copy that forwards the flow after a takeover is this box's established flow.
 */
public final class ConnectionTable implements AutoCloseable
{
    public static final int NOT_FOUND = -1;
    /** Slots probed from the home slot; 8 cache lines, which the adjacent-line prefetcher fetches in pairs. */
    public static final int WINDOW = 8;
    public static final int SLOT_SIZE = 64;
    public static final int LAYOUT_VERSION = 1;
    public static final int MAX_CAPACITY = 1 << 28;
    /** How far past a full window an insert looks for a free slot to move back into the window. */
    public static final int SEARCH_LIMIT = 128;

    private static final int SLOT_SHIFT = 6;
    private static final long SRC_HI = 0;
    private static final long SRC_LO = 8;
    private static final long DST_HI = 16;
    private static final long DST_LO = 24;
    private static final long HASH = 32;
    private static final long LAST_SEEN = 40;
    private static final long BACKEND = 48;
    private static final long SRC_PORT = 56;
    private static final long DST_PORT = 58;
    private static final long PROTOCOL = 60;
    private static final long STATE = 61;
    private static final long VERSION = 62;
    private static final long FLAGS = 63;
    private static final byte SYNCED = 1;

    /** The slot layout as text, built from the offsets below; a file records its checksum (see the class comment). */
    public static final String LAYOUT_DESCRIPTION;

    private static final byte EMPTY = 0;
    private static final byte OPEN = 1;
    private static final byte CLOSING = 2;

    private static final int TCP = 6;
    private static final int UDP = 17;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    static
    {
        LAYOUT_DESCRIPTION = "fulcrum connection table slot v" + LAYOUT_VERSION + " size=" + SLOT_SIZE +
            " window=" + WINDOW + " order=" + java.nio.ByteOrder.nativeOrder() +
            " srcHi@" + SRC_HI + ":8 srcLo@" + SRC_LO + ":8 dstHi@" + DST_HI + ":8 dstLo@" + DST_LO + ":8" +
            " hash@" + HASH + ":8 lastSeen@" + LAST_SEEN + ":8 backend@" + BACKEND + ":4 srcPort@" + SRC_PORT + ":2" +
            " dstPort@" + DST_PORT + ":2 protocol@" + PROTOCOL + ":1 state@" + STATE + ":1 version@" + VERSION + ":1" +
            " states=empty" + EMPTY + ",open" + OPEN + ",closing" + CLOSING;
    }

    /** What frees the slots: the arena that allocated them, or the mapping's owner. */
    private final AutoCloseable memory;
    private final MemorySegment slots;
    private final int capacity;
    private final int mask;
    /** Above this many occupied slots, insert no longer tries to move neighbours (7/8 of capacity). */
    private final int relocationLimit;
    private final long tcpEstablishedMillis;
    private final long tcpClosingMillis;
    private final long udpMillis;
    private final long otherMillis;
    private final FlowKey scratch = new FlowKey();
    /** Occupied slots per backend id, kept with every slot taken or freed (least-connections reads them). */
    private final BackendFlowCounts flowCounts = new BackendFlowCounts();
    private int occupied;
    private long evictions;
    private int sweepCursor;

    /** Receives the entries of {@link #forEach}; the key is a holder reused between calls. */
    @FunctionalInterface
    public interface EntryConsumer
    {
        void accept(FlowKey key, int backendId, long lastSeenMillis, boolean closing);
    }

    /**
     * @param capacity entries, rounded up to a power of two (at least {@link #WINDOW}, at most {@link #MAX_CAPACITY})
     * @param timeouts idle timeouts by protocol and state
     */
    public ConnectionTable(final int capacity, final Timeouts timeouts)
    {
        this(timeouts, checkedCapacity(capacity), Arena.ofShared(), null);
    }

    /**
     * A table over slots someone else allocated (a mapped file), adopted as they are: every occupied slot is checked
     * (state, entry version, still inside its own window) and a slot that fails is cleared rather than trusted;
     * {@link #size()} counts what remains. Closing the table closes {@code memory} (which unmaps the slots).
     *
     * @param slots    {@code capacity * SLOT_SIZE} bytes, 64-byte aligned
     * @param capacity a power of two from {@link #WINDOW} to {@link #MAX_CAPACITY}
     */
    public ConnectionTable(final AutoCloseable memory, final MemorySegment slots, final int capacity,
        final Timeouts timeouts)
    {
        this(timeouts, requirePowerOfTwo(capacity), memory, slots);
    }

    private ConnectionTable(final Timeouts timeouts, final int capacity, final AutoCloseable memory,
        final MemorySegment given)
    {
        this.capacity = capacity;
        this.mask = this.capacity - 1;
        this.relocationLimit = this.capacity - this.capacity / 8;
        this.tcpEstablishedMillis = timeouts.tcpEstablishedMillis();
        this.tcpClosingMillis = timeouts.tcpClosingMillis();
        this.udpMillis = timeouts.udpMillis();
        this.otherMillis = timeouts.otherMillis();
        this.memory = memory;
        if (given == null)
        {
            // zeroed: every slot EMPTY
            this.slots = ((Arena)memory).allocate((long)this.capacity * SLOT_SIZE, SLOT_SIZE);
        }
        else
        {
            if (given.byteSize() != (long)capacity * SLOT_SIZE || given.address() % SLOT_SIZE != 0)
            {
                throw new IllegalArgumentException("slots must be " + capacity + " x " + SLOT_SIZE +
                    " bytes, 64-byte aligned: " + given);
            }
            this.slots = given;
            this.occupied = adoptSlots();
        }
    }

    /**
     * The backend of this flow, or {@link #NOT_FOUND}; a hit refreshes the entry's last-seen time, an expired entry
     * counts as absent and is freed.
     *
     * @param hash the key's hash as given to {@link #insert} (normally {@link FlowKey#hash()})
     */
    public int lookup(final FlowKey key, final long hash, final long nowMillis)
    {
        final long base = find(key, hash);
        if (base < 0)
        {
            return NOT_FOUND;
        }
        final long seen = slots.get(LONG, base + LAST_SEEN);
        if (nowMillis - seen > timeoutOf(base))
        {
            free(base);
            return NOT_FOUND;
        }
        if (seen != nowMillis) // at most one store a millisecond per flow (and fewer dirty pages, once mapped)
        {
            slots.set(LONG, base + LAST_SEEN, nowMillis);
            if (slots.get(BYTE, base + FLAGS) != 0)
            {
                adopt(base);
            }
        }
        return slots.get(INT, base + BACKEND);
    }

    /**
     * Records that this flow goes to {@code backendId}, as an open flow last seen now. An existing entry for the key
     * is overwritten (a new connection reusing a closing one's 5-tuple is open again); otherwise an empty or expired
     * slot of the window is taken; when all of the window is live, a neighbour is moved to make room if one can be,
     * else the entry of the window seen least recently is evicted.
     */
    public void insert(final FlowKey key, final long hash, final int backendId, final long nowMillis)
    {
        put(key, hash, backendId, nowMillis, false);
    }

    /**
     * Records a flow synced from the peer, as {@link #insert} does, but marked synced: not counted in
     * {@link #flowCounts()} until a packet of it is looked up here. An entry this table already has keeps its mark
     * (an established flow of this box stays counted, with its new backend).
     */
    public void install(final FlowKey key, final long hash, final int backendId, final long nowMillis)
    {
        put(key, hash, backendId, nowMillis, true);
    }

    private void put(final FlowKey key, final long hash, final int backendId, final long nowMillis,
        final boolean synced)
    {
        final int home = (int)hash & mask;
        long freeBase = -1;
        long stalestBase = -1;
        long stalestSeen = Long.MAX_VALUE;
        for (int i = 0; i < WINDOW; i++)
        {
            final long base = (long)((home + i) & mask) << SLOT_SHIFT;
            if (slots.get(BYTE, base + STATE) == EMPTY)
            {
                if (freeBase < 0)
                {
                    freeBase = base;
                }
                continue;
            }
            if (slots.get(LONG, base + HASH) == hash && keyEquals(base, key))
            {
                if (slots.get(BYTE, base + FLAGS) == 0)
                {
                    flowCounts.decrement(slots.get(INT, base + BACKEND));
                    flowCounts.increment(backendId);
                }
                else if (!synced)
                {
                    slots.set(BYTE, base + FLAGS, (byte)0); // this box's flow now: counted
                    flowCounts.increment(backendId);
                }
                slots.set(INT, base + BACKEND, backendId);
                slots.set(LONG, base + LAST_SEEN, nowMillis);
                slots.set(BYTE, base + STATE, OPEN);
                return;
            }
            if (isExpired(base, nowMillis))
            {
                free(base);
                if (freeBase < 0)
                {
                    freeBase = base;
                }
                continue;
            }
            final long seen = slots.get(LONG, base + LAST_SEEN);
            if (seen < stalestSeen)
            {
                stalestSeen = seen;
                stalestBase = base;
            }
        }
        if (freeBase < 0 && occupied < relocationLimit)
        {
            // Moving a neighbour only helps while the table has room; when it is (nearly) full the search would
            // scan up to SEARCH_LIMIT slots for nothing on every new flow, exactly when new flows flood in.
            freeBase = makeRoom(home, nowMillis);
        }
        final long target;
        if (freeBase >= 0)
        {
            target = freeBase;
            occupied++;
        }
        else
        {
            target = stalestBase;
            evictions++;
            uncount(target);
        }
        if (!synced)
        {
            flowCounts.increment(backendId);
        }
        slots.set(LONG, target + SRC_HI, key.srcHi());
        slots.set(LONG, target + SRC_LO, key.srcLo());
        slots.set(LONG, target + DST_HI, key.dstHi());
        slots.set(LONG, target + DST_LO, key.dstLo());
        slots.set(LONG, target + HASH, hash);
        slots.set(LONG, target + LAST_SEEN, nowMillis);
        slots.set(INT, target + BACKEND, backendId);
        slots.set(SHORT, target + SRC_PORT, (short)key.srcPort());
        slots.set(SHORT, target + DST_PORT, (short)key.dstPort());
        slots.set(BYTE, target + PROTOCOL, (byte)key.protocol());
        slots.set(BYTE, target + VERSION, (byte)LAYOUT_VERSION);
        slots.set(BYTE, target + FLAGS, synced ? SYNCED : 0);
        slots.set(BYTE, target + STATE, OPEN);
    }

    /** Whether the flow has an entry marked closing (a FIN or RST was seen); false when it has none. */
    public boolean isClosing(final FlowKey key, final long hash)
    {
        final long base = find(key, hash);
        return base >= 0 && slots.get(BYTE, base + STATE) == CLOSING;
    }

    /**
     * A TCP FIN or RST was seen: from now on the entry expires after the closing timeout (each later hit still
     * refreshes it, so a half-closed flow that keeps sending stays put). No effect when the flow is absent.
     */
    public void markClosing(final FlowKey key, final long hash, final long nowMillis)
    {
        final long base = find(key, hash);
        if (base < 0)
        {
            return;
        }
        if (isExpired(base, nowMillis))
        {
            free(base);
            return;
        }
        slots.set(BYTE, base + STATE, CLOSING);
        slots.set(LONG, base + LAST_SEEN, nowMillis);
    }

    /** Removes the flow's entry; true when there was one (live or expired but not yet freed). */
    public boolean remove(final FlowKey key, final long hash)
    {
        final long base = find(key, hash);
        if (base < 0)
        {
            return false;
        }
        free(base);
        return true;
    }

    /**
     * Frees the expired entries among the next {@code maxSlots} slots after the previous sweep's end, wrapping
     * around; a bounded amount of work for a worker's idle time. Returns how many entries it freed.
     */
    public int expire(final long nowMillis, final int maxSlots)
    {
        final int count = Math.min(maxSlots, capacity);
        int cursor = sweepCursor;
        int freed = 0;
        for (int i = 0; i < count; i++)
        {
            final long base = (long)cursor << SLOT_SHIFT;
            if (slots.get(BYTE, base + STATE) != EMPTY && isExpired(base, nowMillis))
            {
                free(base);
                freed++;
            }
            cursor = (cursor + 1) & mask;
        }
        sweepCursor = cursor;
        return freed;
    }

    /**
     * Occupied slots: live entries plus expired ones not yet freed by a lookup, insert or sweep (so an upper bound of
     * the live entries, exact after a full {@link #expire} pass). Never more than {@link #capacity()}.
     */
    public int size()
    {
        return occupied;
    }

    public int capacity()
    {
        return capacity;
    }

    /**
     * Occupied slots per backend id, as {@link #size()} counts them (an expired entry until it is freed); other
     * threads may read them while this table's worker writes.
     */
    public BackendFlowCounts flowCounts()
    {
        return flowCounts;
    }

    /** Live entries overwritten because their window was full, since the table was created. */
    public long evictions()
    {
        return evictions;
    }

    /**
     * Visits every occupied slot, expired or not (the consumer sees the last-seen time), in slot order; for tests and
     * diagnostics, not the per-packet path. The key passed to the consumer is reused between calls.
     */
    public void forEach(final EntryConsumer consumer)
    {
        final FlowKey key = scratch;
        for (int slot = 0; slot < capacity; slot++)
        {
            final long base = (long)slot << SLOT_SHIFT;
            final byte state = slots.get(BYTE, base + STATE);
            if (state == EMPTY)
            {
                continue;
            }
            readKey(base, key);
            consumer.accept(key, slots.get(INT, base + BACKEND), slots.get(LONG, base + LAST_SEEN), state == CLOSING);
        }
    }

    /**
     * Inserts every occupied slot of this table into {@code target}, with its hash, backend, last-seen time and
     * state (re-homing: the slot's stored hash gives its home in the target's capacity); returns how many. An entry
     * the target already holds is overwritten, a full window evicts as {@link #insert} does.
     */
    public int copyTo(final ConnectionTable target)
    {
        final FlowKey key = new FlowKey(); // a restart's copy, not the per-packet path
        int copied = 0;
        for (int slot = 0; slot < capacity; slot++)
        {
            final long base = (long)slot << SLOT_SHIFT;
            final byte state = slots.get(BYTE, base + STATE);
            if (state == EMPTY)
            {
                continue;
            }
            readKey(base, key);
            final long hash = slots.get(LONG, base + HASH);
            final long seen = slots.get(LONG, base + LAST_SEEN);
            target.put(key, hash, slots.get(INT, base + BACKEND), seen, slots.get(BYTE, base + FLAGS) != 0);
            if (state == CLOSING)
            {
                target.markClosing(key, hash, seen);
            }
            copied++;
        }
        return copied;
    }

    /** Empties the table (every slot, not only the live ones). */
    public void clear()
    {
        slots.fill((byte)0);
        flowCounts.clear();
        occupied = 0;
        sweepCursor = 0;
    }

    /**
     * Visits the live (unexpired) entries among {@code maxSlots} slots from {@code fromSlot}, in slot order, and
     * returns the slot after the last one visited ({@link #capacity()} once the end is reached): a bounded step of a
     * walk over the whole table, which the owning worker takes once a duty cycle (sync's bulk resync). Allocates
     * nothing; the key passed to the consumer is reused between calls.
     */
    public int forEachLive(final int fromSlot, final int maxSlots, final long nowMillis, final EntryConsumer consumer)
    {
        final int end = (int)Math.min((long)fromSlot + maxSlots, capacity);
        final FlowKey key = scratch;
        for (int slot = Math.max(0, fromSlot); slot < end; slot++)
        {
            final long base = (long)slot << SLOT_SHIFT;
            final byte state = slots.get(BYTE, base + STATE);
            if (state == EMPTY || isExpired(base, nowMillis))
            {
                continue;
            }
            readKey(base, key);
            consumer.accept(key, slots.get(INT, base + BACKEND), slots.get(LONG, base + LAST_SEEN), state == CLOSING);
        }
        return end;
    }

    private void readKey(final long base, final FlowKey key)
    {
        key.set(
            slots.get(LONG, base + SRC_HI),
            slots.get(LONG, base + SRC_LO),
            slots.get(LONG, base + DST_HI),
            slots.get(LONG, base + DST_LO),
            slots.get(SHORT, base + SRC_PORT),
            slots.get(SHORT, base + DST_PORT),
            slots.get(BYTE, base + PROTOCOL));
    }

    /** Frees the memory (unmaps a mapped table); the table must not be used afterwards. */
    @Override
    public void close()
    {
        CloseHelper.close(memory);
    }

    /**
     * The window from {@code home} is full of live entries: find a free slot further on (at most {@link #SEARCH_LIMIT}
     * slots from home) and move it back into the window by shifting entries forward within their own windows
     * (hopscotch hashing, Herlihy, Shavit and Tzafrir, DISC 2008). Returns the freed slot's base in the window, or -1
     * when no entry can make way, and the caller evicts.
     */
    private long makeRoom(final int home, final long nowMillis)
    {
        int free = -1;
        final int limit = Math.min(SEARCH_LIMIT, capacity);
        for (int distance = WINDOW; distance < limit; distance++)
        {
            final int slot = (home + distance) & mask;
            final long base = (long)slot << SLOT_SHIFT;
            if (slots.get(BYTE, base + STATE) == EMPTY)
            {
                free = slot;
                break;
            }
            if (isExpired(base, nowMillis))
            {
                free(base);
                free = slot;
                break;
            }
        }
        if (free < 0)
        {
            return -1;
        }
        // Every slot from home to free is live; move the farthest entry that may live in the free slot into it.
        while (((free - home) & mask) >= WINDOW)
        {
            int hop = -1;
            for (int back = WINDOW - 1; back > 0; back--)
            {
                final int candidate = (free - back) & mask;
                final int candidateHome = (int)slots.get(LONG, ((long)candidate << SLOT_SHIFT) + HASH) & mask;
                if (((free - candidateHome) & mask) < WINDOW)
                {
                    hop = candidate;
                    break;
                }
            }
            if (hop < 0)
            {
                return -1;
            }
            final long from = (long)hop << SLOT_SHIFT;
            MemorySegment.copy(slots, from, slots, (long)free << SLOT_SHIFT, SLOT_SIZE);
            slots.set(BYTE, from + STATE, EMPTY);
            slots.set(BYTE, from + VERSION, (byte)0);
            free = hop;
        }
        return (long)free << SLOT_SHIFT;
    }

    private long find(final FlowKey key, final long hash)
    {
        final int home = (int)hash & mask;
        for (int i = 0; i < WINDOW; i++)
        {
            final long base = (long)((home + i) & mask) << SLOT_SHIFT;
            if (slots.get(LONG, base + HASH) == hash && slots.get(BYTE, base + STATE) != EMPTY && keyEquals(base, key))
            {
                return base;
            }
        }
        return -1;
    }

    private boolean keyEquals(final long base, final FlowKey key)
    {
        return slots.get(LONG, base + SRC_LO) == key.srcLo() &&
            slots.get(LONG, base + DST_LO) == key.dstLo() &&
            slots.get(LONG, base + SRC_HI) == key.srcHi() &&
            slots.get(LONG, base + DST_HI) == key.dstHi() &&
            (slots.get(SHORT, base + SRC_PORT) & 0xffff) == key.srcPort() &&
            (slots.get(SHORT, base + DST_PORT) & 0xffff) == key.dstPort() &&
            (slots.get(BYTE, base + PROTOCOL) & 0xff) == key.protocol();
    }

    private boolean isExpired(final long base, final long nowMillis)
    {
        return nowMillis - slots.get(LONG, base + LAST_SEEN) > timeoutOf(base);
    }

    private long timeoutOf(final long base)
    {
        if (slots.get(BYTE, base + STATE) == CLOSING)
        {
            return tcpClosingMillis;
        }
        return switch (slots.get(BYTE, base + PROTOCOL) & 0xff)
        {
            case TCP -> tcpEstablishedMillis;
            case UDP -> udpMillis;
            default -> otherMillis;
        };
    }

    private void free(final long base)
    {
        // Only the state and version need clearing: every other field is rewritten by the next insert.
        uncount(base);
        slots.set(BYTE, base + STATE, EMPTY);
        slots.set(BYTE, base + VERSION, (byte)0);
        occupied--;
    }

    /** An entry leaves the table: one flow fewer for its backend, if it was counted. */
    private void uncount(final long base)
    {
        if (slots.get(BYTE, base + FLAGS) == 0)
        {
            flowCounts.decrement(slots.get(INT, base + BACKEND));
        }
    }

    /** A packet of a synced flow came here: the flow is this box's now, and counted. */
    private void adopt(final long base)
    {
        slots.set(BYTE, base + FLAGS, (byte)0);
        flowCounts.increment(slots.get(INT, base + BACKEND));
    }

    /** Counts the occupied slots of adopted memory, clearing any that this build could not have written. */
    private int adoptSlots()
    {
        int count = 0;
        for (int slot = 0; slot < capacity; slot++)
        {
            final long base = (long)slot << SLOT_SHIFT;
            final byte state = slots.get(BYTE, base + STATE);
            if (state == EMPTY)
            {
                continue;
            }
            final int home = (int)slots.get(LONG, base + HASH) & mask;
            if ((state != OPEN && state != CLOSING) || slots.get(BYTE, base + VERSION) != LAYOUT_VERSION ||
                ((slot - home) & mask) >= WINDOW)
            {
                // A torn or foreign slot: never found by a lookup anyway, but it must not count as occupied.
                slots.set(BYTE, base + STATE, EMPTY);
                slots.set(BYTE, base + VERSION, (byte)0);
                continue;
            }
            if (slots.get(BYTE, base + FLAGS) == 0)
            {
                flowCounts.increment(slots.get(INT, base + BACKEND));
            }
            count++;
        }
        return count;
    }

    private static int checkedCapacity(final int capacity)
    {
        if (capacity <= 0 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("capacity must be in 1.." + MAX_CAPACITY + ": " + capacity);
        }
        return Math.max(WINDOW, roundUp(capacity));
    }

    private static int requirePowerOfTwo(final int capacity)
    {
        if (capacity < WINDOW || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two in " + WINDOW + ".." + MAX_CAPACITY +
                ": " + capacity);
        }
        return capacity;
    }

    /** Entries the table can hold for a requested capacity (what the constructor rounds it to). */
    public static int slotsFor(final int capacity)
    {
        return checkedCapacity(capacity);
    }

    private static int roundUp(final int value)
    {
        return value <= 1 ? 1 : Integer.highestOneBit(value - 1) << 1;
    }
}
