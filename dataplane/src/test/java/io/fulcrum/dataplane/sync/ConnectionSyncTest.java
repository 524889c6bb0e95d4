package io.fulcrum.dataplane.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.Dataplane;
import io.fulcrum.dataplane.DataplaneSettings;
import io.fulcrum.dataplane.agent.ForwardingAgent;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.FrameSink;
import io.fulcrum.dataplane.port.InMemoryPort;
import io.fulcrum.dataplane.stats.CountersFile;

/**
 * Two data planes, master and standby, synced over real UDP on loopback through a relay that loses and reorders
 * datagrams. The master forwards real frames through its worker; the test compares the standby's connection tables
 * (every worker's) with the master's, naming backends by address, since the two number their backends differently.
 */
class ConnectionSyncTest
{
    private static final String VIP = "192.0.2.10";
    private static final long PORT_MAC = 0x02_00_00_00_00_aaL;
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef-pair-key".getBytes(StandardCharsets.US_ASCII);
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final List<AutoCloseable> closing = new ArrayList<>();
    private LossyRelay relay;
    private Node master;
    private Node standby;

    @AfterEach
    void tearDown() throws Exception
    {
        for (int i = closing.size() - 1; i >= 0; i--)
        {
            closing.get(i).close();
        }
    }

    /** One appliance: a data plane with its workers on in-memory ports, and its sync agent driven by the test. */
    private final class Node implements AutoCloseable
    {
        final Dataplane dataplane;
        final List<InMemoryPort> ports = new ArrayList<>();
        final List<ForwardingAgent> workers = new ArrayList<>();
        final SyncAgent sync;
        ForwardingTable table;
        long clockOffset;

        Node(final int workerCount, final int[] backendIds, final SyncSettings settings)
        {
            dataplane = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 14),
                CountersFile.inMemory(512), () -> System.currentTimeMillis() + clockOffset, Throwable::printStackTrace);
            for (int i = 0; i < workerCount; i++)
            {
                final InMemoryPort port = new InMemoryPort("w" + i, 256, 1500, PORT_MAC, FrameSink.DISCARD,
                    FrameSink.DISCARD);
                ports.add(port);
                workers.add(dataplane.addWorker(port));
            }
            table = dataplane.publish(List.of(new Service(0, "web", ip(VIP), 80, Service.TCP, Encapsulation.IPIP,
                65537, List.of(backend(backendIds[0], "10.0.0.11"), backend(backendIds[1], "10.0.0.12"),
                    backend(backendIds[2], "10.0.0.13")))));
            sync = dataplane.enableSync(settings);
        }

        /** A reload: the service's pool becomes these backends (id, address). */
        void pool(final Backend... backends)
        {
            table = dataplane.publish(List.of(new Service(0, "web", ip(VIP), 80, Service.TCP, Encapsulation.IPIP,
                65537, List.of(backends))));
        }

        void step()
        {
            for (final ForwardingAgent worker : workers)
            {
                worker.doWork();
            }
            sync.doWork();
        }

        long counter(final int which)
        {
            return sync.counters().value(which);
        }

        /** Every worker's live flows: "client:port closing?" to backend address. */
        List<Map<String, String>> flows()
        {
            final List<Map<String, String>> all = new ArrayList<>();
            final long now = System.currentTimeMillis() + clockOffset;
            for (final ForwardingAgent worker : workers)
            {
                final Map<String, String> flows = new TreeMap<>();
                worker.forwarder().connections().forEachLive(0, Integer.MAX_VALUE, now,
                    (key, backendId, seen, closed) -> flows.put(
                        IpAddresses.format(key.srcHi(), key.srcLo()) + ":" + key.srcPort() + (closed ? " closing" : ""),
                        IpAddresses.format(table.backendHi(backendId), table.backendLo(backendId))));
                all.add(flows);
            }
            return all;
        }

        /** Forwards frames through worker 0 (the master's traffic). */
        void forward(final List<byte[]> frames)
        {
            final InMemoryPort port = ports.get(0);
            for (final byte[] frame : frames)
            {
                while (!port.inject(frame))
                {
                    workers.get(0).doWork();
                }
            }
            while (port.pending() > 0)
            {
                workers.get(0).doWork();
            }
        }

        @Override
        public void close()
        {
            dataplane.close();
        }
    }

    private static Backend backend(final int id, final String address)
    {
        return new Backend(id, ip(address), 100, BackendState.ACTIVE, 0x02_00_00_00_01_00L + id);
    }

    private static InetAddress ip(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(e);
        }
    }

    private void pair(final double loss, final double reorder, final SyncSettings base) throws IOException
    {
        relay = new LossyRelay(42, loss, reorder);
        closing.add(relay);
        final InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        master = new Node(1, new int[] {0, 1, 2}, new SyncSettings(any, relay.forMaster(), KEY,
            base.maxBytesPerSecond(), base.ringBytes(), base.datagramBytes(), base.retransmitDatagrams(),
            base.reorderDatagrams(), base.statusIntervalMillis(), base.retransmitTimeoutMillis(),
            base.resyncIntervalMillis()));
        closing.add(master);
        // The standby learnt its backends in another order: its ids differ from the master's.
        standby = new Node(2, new int[] {5, 3, 4}, new SyncSettings(any, relay.forStandby(), KEY,
            base.maxBytesPerSecond(), base.ringBytes(), base.datagramBytes(), base.retransmitDatagrams(),
            base.reorderDatagrams(), base.statusIntervalMillis(), base.retransmitTimeoutMillis(),
            base.resyncIntervalMillis()));
        closing.add(standby);
        relay.connect(master.sync.localAddress(), standby.sync.localAddress());
        master.sync.role(SyncRole.MASTER);
        standby.sync.role(SyncRole.BACKUP);
        runUntil(() -> master.counter(SyncCounters.RESYNCS_COMPLETED) >= 1 &&
            standby.counter(SyncCounters.PEER_SESSIONS) >= 1, "the pair's first sessions meet");
    }

    private static SyncSettings defaults()
    {
        return SyncSettings.of(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 9), KEY)
            .withMaxBytesPerSecond(50_000_000);
    }

    private void step() throws IOException
    {
        master.step();
        relay.pump();
        standby.step();
        relay.pump();
    }

    private void runUntil(final BooleanSupplier done, final String what) throws IOException
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting until " + what);
            }
            step();
            LockSupport.parkNanos(50_000);
        }
    }

    /** Runs until the standby's workers each hold exactly the master's flows, or fails with the difference. */
    private void converge(final String what) throws IOException
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (true)
        {
            step();
            final Map<String, String> expected = master.flows().get(0);
            final List<Map<String, String>> actual = standby.flows();
            if (actual.stream().allMatch(expected::equals))
            {
                return;
            }
            if (System.nanoTime() > deadline)
            {
                for (int worker = 0; worker < actual.size(); worker++)
                {
                    final Map<String, String> missing = new TreeMap<>(expected);
                    missing.entrySet().removeAll(actual.get(worker).entrySet());
                    final Map<String, String> extra = new TreeMap<>(actual.get(worker));
                    extra.entrySet().removeAll(expected.entrySet());
                    assertTrue(missing.isEmpty() && extra.isEmpty(), what + ": worker " + worker + " of the standby "
                        + "misses " + missing.size() + " of the master's " + expected.size() + " flows (first: "
                        + missing.entrySet().stream().limit(3).toList() + ") and has " + extra.size() + " it should not "
                        + "(first: " + extra.entrySet().stream().limit(3).toList() + ")");
                }
            }
            LockSupport.parkNanos(50_000);
        }
    }

    private static List<byte[]> syns(final int from, final int count)
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int i = from; i < from + count; i++)
        {
            frames.add(FrameBuilder.ipv4("198.51.100." + (1 + i % 250), VIP).tcp(10_000 + i, 80, Tcp.SYN).build());
        }
        return frames;
    }

    private static List<byte[]> fins(final int from, final int count)
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int i = from; i < from + count; i++)
        {
            frames.add(FrameBuilder.ipv4("198.51.100." + (1 + i % 250), VIP).tcp(10_000 + i, 80, Tcp.FIN).build());
        }
        return frames;
    }

    @Test
    void everyFlowChangeReachesTheStandbyThroughALossyLinkByRetransmission() throws IOException
    {
        pair(0.10, 0.10, defaults());
        final long resyncs = master.counter(SyncCounters.RESYNCS_STARTED);

        master.forward(syns(0, 3000));
        master.forward(fins(0, 300));
        converge("3000 new flows and 300 closing ones");

        assertEquals(3000, master.flows().get(0).size());
        assertEquals(300, master.flows().get(0).keySet().stream().filter(k -> k.endsWith("closing")).count());
        assertTrue(relay.dropped() > 0, "the relay lost datagrams");
        assertTrue(master.counter(SyncCounters.RETRANSMITTED) > 0, "lost datagrams were sent again");
        assertEquals(resyncs, master.counter(SyncCounters.RESYNCS_STARTED), "repaired without a resync");
        assertEquals(0, master.counter(SyncCounters.GAPS) + standby.counter(SyncCounters.GAPS));
        assertEquals(3300, master.counter(SyncCounters.RECORDS_SENT));
        assertEquals(0, standby.counter(SyncCounters.UNRESOLVED));
    }

    @Test
    void flowsToABackendTheStandbyAddsAMomentAfterTheMasterAreHeldUntilItsReloadNotDropped() throws IOException
    {
        pair(0.10, 0.10, defaults());
        // A reload adds 10.0.0.14: the master applies it first and sends new flows there at once.
        master.pool(backend(0, "10.0.0.11"), backend(1, "10.0.0.12"), backend(2, "10.0.0.13"),
            backend(3, "10.0.0.14"));
        master.forward(syns(0, 400));
        master.forward(fins(0, 40));
        final long toTheNewBackend = master.flows().get(0).values().stream().filter("10.0.0.14"::equals).count();
        assertTrue(toTheNewBackend > 40, "the new backend took flows: " + toTheNewBackend);
        runUntil(() -> standby.counter(SyncCounters.RECORDS_RECEIVED) >= 440, "the standby received every record");
        assertTrue(standby.counter(SyncCounters.HELD_UNKNOWN_BACKEND) > 0, "records waited for the standby's reload");

        // The standby's own reload of the same file, a moment later (its ids differ: it learnt backends in another order).
        standby.pool(backend(5, "10.0.0.11"), backend(3, "10.0.0.12"), backend(4, "10.0.0.13"),
            backend(6, "10.0.0.14"));
        converge("400 flows, some to a backend the standby added after the master");
        assertEquals(0, standby.counter(SyncCounters.UNRESOLVED));
    }

    @Test
    void aLostDatagramIsSentAgainOnceALaterOneArrivesWithoutWaitingForTheRetransmitTimeout() throws IOException
    {
        final SyncSettings base = defaults();
        // A retransmit timeout of 10 minutes: in this test's 30 s, only the standby's acknowledgements can repair.
        pair(0.10, 0, new SyncSettings(base.local(), base.peer(), KEY, base.maxBytesPerSecond(), base.ringBytes(),
            base.datagramBytes(), base.retransmitDatagrams(), base.reorderDatagrams(), base.statusIntervalMillis(),
            TimeUnit.MINUTES.toMillis(10), base.resyncIntervalMillis()));
        final long droppedBefore = relay.dropped();
        for (int batch = 0; batch < 30; batch++)
        {
            master.forward(syns(batch * 100, 100));
            step();
        }
        // New flows keep coming (one a step), as on a live master: each datagram after a lost one reveals it.
        final int[] next = {3000};
        runUntil(() ->
        {
            master.forward(syns(next[0]++, 1));
            final Map<String, String> installed = standby.flows().get(0);
            return java.util.stream.IntStream.range(0, 3000).allMatch(i ->
                installed.containsKey("198.51.100." + (1 + i % 250) + ":" + (10_000 + i)));
        }, "the standby holds the first 3000 flows");
        assertTrue(relay.dropped() > droppedBefore, "the relay lost datagrams");
        assertTrue(master.counter(SyncCounters.RETRANSMITTED) > 0, "lost datagrams were sent again");
        assertEquals(0, master.counter(SyncCounters.GAPS) + standby.counter(SyncCounters.GAPS));
    }

    @Test
    void aGapBeyondTheRetransmitStoreIsRepairedByABulkResync() throws IOException
    {
        pair(0.10, 0.10, defaults().withRetransmitDatagrams(8));
        final long resyncs = master.counter(SyncCounters.RESYNCS_STARTED);

        relay.cut(true); // the standby hears nothing while 2000 flows start: far more than 8 datagrams
        master.forward(syns(0, 2000));
        for (int i = 0; i < 200; i++)
        {
            step();
        }
        relay.cut(false);
        converge("2000 flows sent while the link was cut");

        assertTrue(master.counter(SyncCounters.GAPS) > 0, "the master gave up datagrams the standby never had");
        assertTrue(master.counter(SyncCounters.RESYNCS_STARTED) > resyncs, "a resync repaired the gap");
    }

    @Test
    void fullRingsNeverBlockForwardingAndAResyncRepairsTheDroppedRecords() throws IOException
    {
        pair(0, 0, defaults().withRingBytes(1024)); // room for about 15 records
        final long resyncs = master.counter(SyncCounters.RESYNCS_STARTED);

        master.forward(syns(0, 1000)); // the sync agent does not run meanwhile: the ring overflows
        assertEquals(1000, master.ports.get(0).transmittedCount(), "every packet was forwarded");
        final long dropped = master.dataplane.workers().get(0).sync().dropped();
        assertTrue(dropped > 900, "records dropped: " + dropped);

        converge("1000 flows, most of whose records were dropped");
        assertTrue(master.counter(SyncCounters.RESYNCS_STARTED) > resyncs);
    }

    @Test
    void forgedAndReplayedDatagramsAreRefusedCountedAndNeverInstalled() throws IOException
    {
        pair(0, 0, defaults());
        master.forward(syns(0, 50));
        converge("50 flows");
        final List<byte[]> firstSession = new ArrayList<>(relay.captured());

        // The standby's clock moves 2 hours on: every synced flow has expired; anything installed now would be live.
        standby.clockOffset = TimeUnit.HOURS.toMillis(2);
        assertTrue(standby.flows().stream().allMatch(Map::isEmpty));
        final long received = standby.counter(SyncCounters.RECORDS_RECEIVED);

        // Replayed: the same datagrams again.
        final long replays = standby.counter(SyncCounters.REFUSED_REPLAY);
        for (final byte[] datagram : firstSession)
        {
            relay.injectToStandby(datagram);
        }
        settle();
        assertEquals(replays + firstSession.size(), standby.counter(SyncCounters.REFUSED_REPLAY));

        // Forged: a record changed after signing, and a datagram signed with another key.
        final byte[] last = dataWithRecords(firstSession);
        final byte[] tampered = last.clone();
        tampered[SyncMessage.recordOffset(0) + SyncRecord.SRC_PORT] ^= 1;
        relay.injectToStandby(tampered);
        final byte[] otherKey = last.clone();
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(otherKey.length));
        buffer.putBytes(0, otherKey);
        new SyncMessage().wrap(buffer, 0).header(SyncMessage.DATA, 0, new SyncMessage().wrap(buffer, 0).epoch(),
            new SyncMessage().wrap(buffer, 0).peerEpoch(), 1_000).count((otherKey.length - 88) / SyncRecord.LENGTH);
        new MessageAuthenticator("another key, also at least 32 bytes long".getBytes(StandardCharsets.US_ASCII),
            otherKey.length).sign(buffer, 0, otherKey.length - MessageAuthenticator.MAC_LENGTH);
        buffer.getBytes(0, otherKey);
        relay.injectToStandby(otherKey);
        settle();
        assertEquals(2, standby.counter(SyncCounters.REFUSED_AUTHENTICATION));

        // Old session: the standby starts a new one (as after a restart), the master follows, and the first
        // session's datagrams are played again.
        standby.sync.role(SyncRole.OFF);
        standby.step();
        final long masterSessions = master.counter(SyncCounters.PEER_SESSIONS);
        standby.sync.role(SyncRole.BACKUP);
        runUntil(() -> master.counter(SyncCounters.PEER_SESSIONS) > masterSessions &&
            master.counter(SyncCounters.RESYNCS_COMPLETED) >= 2, "the master meets the standby's new session");
        converge("the resync of the new session");
        standby.clockOffset = TimeUnit.HOURS.toMillis(4);
        final long stale = standby.counter(SyncCounters.REFUSED_STALE_SESSION);
        final long receivedBefore = standby.counter(SyncCounters.RECORDS_RECEIVED);
        for (final byte[] datagram : firstSession)
        {
            relay.injectToStandby(datagram);
        }
        settle();
        assertEquals(stale + firstSession.size(), standby.counter(SyncCounters.REFUSED_STALE_SESSION));

        assertEquals(receivedBefore, standby.counter(SyncCounters.RECORDS_RECEIVED), "no record was taken");
        assertTrue(received < receivedBefore, "the new session's resync was received");
        assertTrue(standby.flows().stream().allMatch(Map::isEmpty), "nothing refused was installed");
    }

    /** Steps the pair long enough for injected datagrams to be read and applied. */
    private void settle() throws IOException
    {
        for (int i = 0; i < 50; i++)
        {
            step();
            LockSupport.parkNanos(100_000);
        }
    }

    private static byte[] dataWithRecords(final List<byte[]> datagrams)
    {
        for (int i = datagrams.size() - 1; i >= 0; i--)
        {
            if (datagrams.get(i).length > SyncMessage.dataLength(0))
            {
                return datagrams.get(i);
            }
        }
        throw new AssertionError("no datagram with records was captured");
    }
}
