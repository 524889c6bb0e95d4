package io.fulcrum.dataplane.flow;

import io.fulcrum.dataplane.packet.IpAddresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionTableTest
{
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    private static final long CLIENT = IpAddresses.v4Lo(0xc000_0201); // 192.0.2.1
    private static final long VIP = IpAddresses.v4Lo(0xcb00_7107);    // 203.0.113.7
    private static final long V6_HI = 0x2001_0db8_0000_0000L;          // 2001:db8::/64
    private static final long T0 = 1_000_000_000L;

    private final List<ConnectionTable> tables = new ArrayList<>();

    @AfterEach
    void closeTables()
    {
        tables.forEach(ConnectionTable::close);
    }

    @Test
    void insertedFlowIsFoundWithItsBackend()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        table.insert(key, key.hash(), 7, T0);
        assertEquals(7, table.lookup(key, key.hash(), T0 + 1));
        assertEquals(1, table.size());
    }

    @Test
    void keyDifferingInAnyOneFieldMisses()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(V6_HI, 1, V6_HI, 2, 40_000, 443, TCP);
        table.insert(key, key.hash(), 7, T0);
        final FlowKey[] others = {
            new FlowKey().set(V6_HI + 1, 1, V6_HI, 2, 40_000, 443, TCP),
            new FlowKey().set(V6_HI, 3, V6_HI, 2, 40_000, 443, TCP),
            new FlowKey().set(V6_HI, 1, V6_HI + 1, 2, 40_000, 443, TCP),
            new FlowKey().set(V6_HI, 1, V6_HI, 3, 40_000, 443, TCP),
            new FlowKey().set(V6_HI, 1, V6_HI, 2, 40_001, 443, TCP),
            new FlowKey().set(V6_HI, 1, V6_HI, 2, 40_000, 444, TCP),
            new FlowKey().set(V6_HI, 1, V6_HI, 2, 40_000, 443, UDP),
        };
        for (final FlowKey other : others)
        {
            assertEquals(ConnectionTable.NOT_FOUND, table.lookup(other, other.hash(), T0), other.toString());
            // Even with the hash of the stored key, the full key is compared.
            assertEquals(ConnectionTable.NOT_FOUND, table.lookup(other, key.hash(), T0), other.toString());
        }
        assertEquals(7, table.lookup(key, key.hash(), T0));
    }

    @Test
    void ipv4AndIpv6FlowsAreKeptApart()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey v4 = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 80, TCP);
        // Same low 64 bits, but a global IPv6 prefix instead of ::ffff:0:0/96.
        final FlowKey v6 = new FlowKey().set(V6_HI, CLIENT, V6_HI, VIP, 40_000, 80, TCP);
        table.insert(v4, v4.hash(), 1, T0);
        table.insert(v6, v6.hash(), 2, T0);
        assertEquals(1, table.lookup(v4, v4.hash(), T0));
        assertEquals(2, table.lookup(v6, v6.hash(), T0));
        assertEquals(2, table.size());
    }

    @Test
    void insertingAnExistingFlowOverwritesItsBackend()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        table.insert(key, key.hash(), 7, T0);
        table.insert(key, key.hash(), 9, T0 + 5);
        assertEquals(9, table.lookup(key, key.hash(), T0 + 6));
        assertEquals(1, table.size());
    }

    @Test
    void tcpFlowLivesForTheEstablishedTimeoutSinceLastSeen()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        table.insert(key, key.hash(), 7, T0);
        assertEquals(7, table.lookup(key, key.hash(), T0 + 900_000), "exactly 900 s idle is still live");
        assertEquals(7, table.lookup(key, key.hash(), T0 + 1_800_000), "the hit at 900 s refreshed it");
        assertEquals(ConnectionTable.NOT_FOUND, table.lookup(key, key.hash(), T0 + 2_700_001));
        assertEquals(0, table.size(), "the expired entry was freed by the lookup");
    }

    @Test
    void udpAndOtherProtocolsUseTheirOwnTimeouts()
    {
        final ConnectionTable table = table(1024, new Timeouts(900_000, 10_000, 60_000, 30_000));
        final FlowKey udp = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 53, UDP);
        final FlowKey icmp = new FlowKey().set(0, CLIENT, 0, VIP, 0, 0, ICMP);
        final FlowKey tcp = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 53, TCP);
        table.insert(udp, udp.hash(), 1, T0);
        table.insert(icmp, icmp.hash(), 2, T0);
        table.insert(tcp, tcp.hash(), 3, T0);
        assertEquals(2, table.lookup(icmp, icmp.hash(), T0 + 30_000));
        assertEquals(ConnectionTable.NOT_FOUND, table.lookup(icmp, icmp.hash(), T0 + 60_001));
        assertEquals(1, table.lookup(udp, udp.hash(), T0 + 60_000));
        assertEquals(ConnectionTable.NOT_FOUND, table.lookup(udp, udp.hash(), T0 + 120_001));
        assertEquals(3, table.lookup(tcp, tcp.hash(), T0 + 120_001));
    }

    @Test
    void closingFlowExpiresAfterTheClosingTimeout()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        table.insert(key, key.hash(), 7, T0);
        table.markClosing(key, key.hash(), T0 + 100);
        assertEquals(7, table.lookup(key, key.hash(), T0 + 10_100), "10 s after the FIN");
        assertEquals(ConnectionTable.NOT_FOUND, table.lookup(key, key.hash(), T0 + 20_101), "10 s after the last packet");
    }

    @Test
    void reinsertingAClosingFlowOpensItAgain()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        table.insert(key, key.hash(), 7, T0);
        table.markClosing(key, key.hash(), T0);
        table.insert(key, key.hash(), 8, T0 + 1);
        assertEquals(8, table.lookup(key, key.hash(), T0 + 60_000));
    }

    @Test
    void markClosingAnAbsentFlowDoesNothing()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        table.markClosing(key, key.hash(), T0);
        assertEquals(0, table.size());
        assertEquals(ConnectionTable.NOT_FOUND, table.lookup(key, key.hash(), T0));
    }

    @Test
    void removedFlowIsGone()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        table.insert(key, key.hash(), 7, T0);
        assertTrue(table.remove(key, key.hash()));
        assertFalse(table.remove(key, key.hash()));
        assertEquals(ConnectionTable.NOT_FOUND, table.lookup(key, key.hash(), T0));
        assertEquals(0, table.size());
    }

    @Test
    void fullWindowEvictsTheEntrySeenLeastRecently()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final long hash = 42; // every key homes on the same slot
        final FlowKey key = new FlowKey();
        final long[] seen = {T0 + 5, T0 + 3, T0 + 7, T0 + 1, T0 + 6, T0 + 2, T0 + 8, T0 + 4};
        for (int port = 0; port < ConnectionTable.WINDOW; port++)
        {
            table.insert(key.set(0, CLIENT, 0, VIP, port, 80, TCP), hash, port, seen[port]);
        }
        assertEquals(0, table.evictions());
        table.insert(key.set(0, CLIENT, 0, VIP, 100, 80, TCP), hash, 100, T0 + 10);
        assertEquals(1, table.evictions());
        assertEquals(ConnectionTable.WINDOW, table.size());
        assertEquals(ConnectionTable.NOT_FOUND, table.lookup(key.set(0, CLIENT, 0, VIP, 3, 80, TCP), hash, T0 + 10),
            "port 3, seen at T0 + 1, was the stalest");
        for (final int port : new int[]{0, 1, 2, 4, 5, 6, 7, 100})
        {
            assertEquals(port, table.lookup(key.set(0, CLIENT, 0, VIP, port, 80, TCP), hash, T0 + 10), "port " + port);
        }
    }

    @Test
    void fullWindowMovesANeighbourWithinItsOwnWindowBeforeEvicting()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey();
        for (int port = 0; port < ConnectionTable.WINDOW; port++)
        {
            table.insert(key.set(0, CLIENT, 0, VIP, port, 80, TCP), 42, port, T0); // slots 42..49
        }
        table.insert(key.set(0, CLIENT, 0, VIP, 49, 80, TCP), 49, 49, T0);      // slot 50
        // Home 43: its window 43..50 is full; the entry in 50 (home 49) can move to 51 and make room.
        table.insert(key.set(0, CLIENT, 0, VIP, 43, 80, TCP), 43, 43, T0);
        assertEquals(0, table.evictions());
        assertEquals(ConnectionTable.WINDOW + 2, table.size());
        for (int port = 0; port < ConnectionTable.WINDOW; port++)
        {
            assertEquals(port, table.lookup(key.set(0, CLIENT, 0, VIP, port, 80, TCP), 42, T0), "port " + port);
        }
        assertEquals(49, table.lookup(key.set(0, CLIENT, 0, VIP, 49, 80, TCP), 49, T0));
        assertEquals(43, table.lookup(key.set(0, CLIENT, 0, VIP, 43, 80, TCP), 43, T0));
    }

    @Test
    void halfFullTableKeepsAlmostEveryFlow()
    {
        final ConnectionTable table = table(1 << 16, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey();
        final int flows = 1 << 15;
        for (int i = 0; i < flows; i++)
        {
            key.set(0, IpAddresses.v4Lo(0x0a00_0000 + i), 0, VIP, 1024 + i % 50_000, 443, TCP);
            table.insert(key, key.hash(), i & 1023, T0);
        }
        assertTrue(table.evictions() < flows / 1000, "evictions " + table.evictions() + " of " + flows);
        for (int i = 0; i < flows; i += 97)
        {
            key.set(0, IpAddresses.v4Lo(0x0a00_0000 + i), 0, VIP, 1024 + i % 50_000, 443, TCP);
            final int backend = table.lookup(key, key.hash(), T0);
            assertTrue(backend == (i & 1023) || backend == ConnectionTable.NOT_FOUND);
        }
    }

    @Test
    void fullWindowReusesAnExpiredSlotBeforeEvicting()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final long hash = 42;
        final FlowKey key = new FlowKey();
        table.insert(key.set(0, CLIENT, 0, VIP, 0, 53, UDP), hash, 0, T0); // expires after 60 s
        for (int port = 1; port < ConnectionTable.WINDOW; port++)
        {
            table.insert(key.set(0, CLIENT, 0, VIP, port, 80, TCP), hash, port, T0 + 100_000);
        }
        table.insert(key.set(0, CLIENT, 0, VIP, 100, 80, TCP), hash, 100, T0 + 100_000);
        assertEquals(0, table.evictions());
        assertEquals(ConnectionTable.WINDOW, table.size());
    }

    @Test
    void tableNeverGrowsBeyondItsCapacity()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey();
        for (int i = 0; i < 10 * 1024; i++)
        {
            key.set(V6_HI, i, 0, VIP, i, 80, TCP);
            table.insert(key, key.hash(), i, T0 + i);
            assertTrue(table.size() <= table.capacity(), "size " + table.size());
        }
        assertTrue(table.evictions() > 0);
        assertEquals(10 * 1024 - table.size(), table.evictions(), "every insert beyond the occupied slots evicted one");
        final int[] visited = new int[1];
        table.forEach((k, backend, seen, closing) -> visited[0]++);
        assertEquals(table.size(), visited[0]);
    }

    @Test
    void capacityIsRoundedUpToAPowerOfTwoOfAtLeastAWindow()
    {
        assertEquals(1024, table(1000, Timeouts.DEFAULTS).capacity());
        assertEquals(1024, table(1024, Timeouts.DEFAULTS).capacity());
        assertEquals(ConnectionTable.WINDOW, table(3, Timeouts.DEFAULTS).capacity());
    }

    @Test
    void sweepFreesExpiredEntriesIncrementally()
    {
        final ConnectionTable table = table(1024, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey();
        for (int i = 0; i < 100; i++)
        {
            key.set(0, CLIENT, 0, VIP, 1000 + i, 53, i < 60 ? UDP : TCP);
            table.insert(key, key.hash(), i, T0);
        }
        final long later = T0 + 60_001; // the 60 UDP flows have expired, the 40 TCP flows have not
        assertEquals(0, table.expire(T0 + 60_000, 1024));
        final int firstHalf = table.expire(later, 512);
        final int secondHalf = table.expire(later, 512);
        assertEquals(60, firstHalf + secondHalf);
        assertEquals(40, table.size());
        assertEquals(0, table.expire(later, 1024), "nothing is left to free");
    }

    @Test
    void forEachReportsKeysBackendsAndState()
    {
        final ConnectionTable table = table(64, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey().set(V6_HI, 5, V6_HI, 6, 1234, 443, TCP);
        table.insert(key, key.hash(), 11, T0);
        table.markClosing(key, key.hash(), T0 + 3);
        final List<String> seen = new ArrayList<>();
        table.forEach((k, backend, lastSeen, closing) -> seen.add(k + " " + backend + " " + (lastSeen - T0) + " " + closing));
        assertEquals(List.of(key + " 11 3 true"), seen);
    }

    @Test
    void lookupAndInsertAllocateNothing()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final ConnectionTable table = table(1 << 16, Timeouts.DEFAULTS);
        final FlowKey key = new FlowKey();
        // Warm up so that the loop runs compiled (the interpreter's and C1's code paths are not what we ship).
        for (int round = 0; round < 20; round++)
        {
            churn(table, key, round);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        final long hits = churn(table, key, 20);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(hits > 0);
        // getCurrentThreadAllocatedBytes itself is allocation-free once called; allow nothing.
        assertEquals(0, allocated, "bytes allocated by 100 000 inserts, lookups, markClosing and expire steps");
    }

    private static long churn(final ConnectionTable table, final FlowKey key, final int round)
    {
        long hits = 0;
        final long now = T0 + round * 1000L;
        for (int i = 0; i < 100_000; i++)
        {
            key.set(V6_HI, i & 0xffff, 0, VIP, i, 443, TCP);
            final long hash = key.hash();
            if (table.lookup(key, hash, now) >= 0)
            {
                hits++;
            }
            else
            {
                table.insert(key, hash, i & 1023, now);
            }
            if ((i & 255) == 0)
            {
                table.markClosing(key, hash, now);
                table.expire(now, 16);
            }
        }
        return hits;
    }

    @Test
    void flowCountsFollowEveryEntryAndCountASyncedFlowOnlyWhereItsPacketsArrive()
    {
        // A standby's two workers each hold a copy of every synced flow; after a takeover the packets of a flow
        // reach one of them, and only that one's copy is an established flow of this box (least-connections).
        final ConnectionTable first = table(1024, Timeouts.DEFAULTS);
        final ConnectionTable second = table(1024, Timeouts.DEFAULTS);
        final FlowKey synced = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, TCP);
        first.install(synced, synced.hash(), 3, T0);
        second.install(synced, synced.hash(), 3, T0);
        assertEquals(0, first.flowCounts().get(3) + second.flowCounts().get(3), "synced, not yet forwarded here");

        assertEquals(3, second.lookup(synced, synced.hash(), T0 + 5));
        assertEquals(0, first.flowCounts().get(3));
        assertEquals(1, second.flowCounts().get(3), "adopted by the worker its packets reached");
        assertEquals(3, second.lookup(synced, synced.hash(), T0 + 9));
        assertEquals(1, second.flowCounts().get(3), "counted once, however many packets follow");

        final FlowKey local = new FlowKey().set(0, CLIENT, 0, VIP, 40_001, 443, TCP);
        second.insert(local, local.hash(), 3, T0);
        second.insert(local, local.hash(), 4, T0 + 1); // moved to another backend
        assertEquals(1, second.flowCounts().get(3));
        assertEquals(1, second.flowCounts().get(4));
        assertTrue(second.remove(local, local.hash()));
        assertEquals(0, second.flowCounts().get(4));

        // Expired entries leave the counts when the sweep frees them.
        second.expire(T0 + Timeouts.DEFAULTS.tcpEstablishedMillis() + 10, 1024);
        assertEquals(0, second.flowCounts().get(3));
        first.expire(T0 + Timeouts.DEFAULTS.tcpEstablishedMillis() + 10, 1024);
        assertEquals(0, first.size());
        assertEquals(0, first.flowCounts().get(3), "a synced copy never counted is not uncounted either");
    }

    private ConnectionTable table(final int capacity, final Timeouts timeouts)
    {
        final ConnectionTable table = new ConnectionTable(capacity, timeouts);
        tables.add(table);
        return table;
    }
}
