package io.fulcrum.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.agent.ForwardingAgent;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import io.fulcrum.dataplane.flow.ConnectionTable;
import io.fulcrum.dataplane.flow.Timeouts;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.ParseResult;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.FrameSink;
import io.fulcrum.dataplane.port.InMemoryPort;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.DropReason;

/**
 * The schedulers a DSR service can pick its new flows by, through the real forwarding core on an in-memory port:
 * SYNs in, and the backend each encapsulated frame was sent to out. Established flows stay where the connection table
 * says whatever the scheduler would pick now.
 */
class NewFlowSchedulersTest
{
    private static final String VIP = "192.0.2.10";
    private static final long PORT_MAC = 0x02_00_00_00_00_aaL;
    private static final String A = "10.0.0.11";
    private static final String B = "10.0.0.12";
    private static final String C = "10.0.0.13";
    private static final String D = "10.0.0.14";
    private static final String E = "10.0.0.15";
    private static final ValueLayout.OfShort PORT =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private final List<String> sentTo = new ArrayList<>();
    private CountersFile counters;
    private Dataplane dataplane;
    private InMemoryPort port;
    private ForwardingAgent worker;
    private long now = 1_000_000;

    @BeforeEach
    void setUp()
    {
        counters = CountersFile.inMemory(1024);
        dataplane = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 16), counters,
            () -> now, Throwable::printStackTrace);
        port = new InMemoryPort("test", 256, 1500, PORT_MAC,
            (memory, offset, length) -> sentTo.add(outerDestination(memory.asSlice(offset, length))),
            FrameSink.DISCARD);
        worker = dataplane.addWorker(port);
    }

    @AfterEach
    void tearDown()
    {
        dataplane.close();
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

    private static Backend backend(final int id, final String address, final int weight, final BackendState state)
    {
        return new Backend(id, ip(address), weight, state, 0x02_00_00_00_01_00L + id);
    }

    private static Backend active(final int id, final String address)
    {
        return backend(id, address, 100, BackendState.ACTIVE);
    }

    private void publish(final SchedulerKind scheduler, final Backend... backends)
    {
        dataplane.publish(List.of(new Service(0, "web", ip(VIP), 80, Service.TCP, Encapsulation.IPIP, scheduler,
            65537, List.of(backends))));
    }

    private static String outerDestination(final MemorySegment frame)
    {
        final PacketParser parser = new PacketParser();
        assertEquals(ParseResult.IP, parser.parse(frame, 0, (int)frame.byteSize()));
        return IpAddresses.format(parser.dstHi(), parser.dstLo());
    }

    private static byte[] syn(final String client, final int clientPort)
    {
        return FrameBuilder.ipv4(client, VIP).tcp(clientPort, 80, Tcp.SYN).build();
    }

    private static byte[] fin(final String client, final int clientPort)
    {
        return FrameBuilder.ipv4(client, VIP).tcp(clientPort, 80, Tcp.FIN | Tcp.ACK).build();
    }

    /** Connections from one client, ports {@code from} onwards. */
    private static List<byte[]> syns(final int from, final int count)
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            frames.add(syn("198.51.100.7", from + i));
        }
        return frames;
    }

    /** Sends frames through the worker; the backend each transmitted frame went to, in order. */
    private List<String> send(final List<byte[]> frames)
    {
        sentTo.clear();
        for (final byte[] frame : frames)
        {
            if (!port.inject(frame))
            {
                drain();
                assertTrue(port.inject(frame));
            }
        }
        drain();
        return new ArrayList<>(sentTo);
    }

    private void drain()
    {
        while (port.pending() > 0)
        {
            worker.doWork();
        }
    }

    /** Idle duty cycles until the worker's expiry sweep has passed over its whole connection table. */
    private void sweepExpired()
    {
        final int capacity = worker.forwarder().connections().capacity();
        for (int i = 0; i <= capacity / 256; i++)
        {
            worker.doWork();
        }
    }

    private static Map<String, Integer> countByBackend(final List<String> backends)
    {
        final Map<String, Integer> counts = new TreeMap<>();
        for (final String backend : backends)
        {
            counts.merge(backend, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinGivesNewFlowsNginxsSmoothWeightedSequenceExactly()
    {
        publish(SchedulerKind.ROUND_ROBIN, backend(0, A, 500, BackendState.ACTIVE),
            backend(1, B, 100, BackendState.ACTIVE), backend(2, C, 100, BackendState.ACTIVE));
        assertEquals(List.of(A, A, B, A, C, A, A), send(syns(10_000, 7)), "weights 5, 1, 1 as nginx spreads them");
        assertEquals(Map.of(A, 500, B, 100, C, 100), countByBackend(send(syns(20_000, 700))));
    }

    @Test
    void establishedFlowsStayOnTheirBackendWhenTheSchedulerWouldPickAnother()
    {
        publish(SchedulerKind.ROUND_ROBIN, active(0, A), active(1, B), active(2, C));
        final List<byte[]> flows = syns(10_000, 9);
        final List<String> first = send(flows);
        assertEquals(List.of(A, B, C, A, B, C, A, B, C), first);
        send(syns(30_000, 1)); // the sequence moves on by one
        assertEquals(first, send(flows), "packets of established flows follow the connection table");

        // Least-connections would now send everything to a new, empty backend; the established flows stay.
        publish(SchedulerKind.LEAST_CONNECTIONS, active(0, A), active(1, B), active(2, C), active(3, D));
        assertEquals(first, send(flows));
        assertEquals(List.of(D, D, D), send(syns(40_000, 3)));
    }

    @Test
    void leastConnectionsSendsNewFlowsToTheBackendWithTheFewestEstablishedFlows()
    {
        // 30 flows on A while it is alone, then B and C join.
        publish(SchedulerKind.LEAST_CONNECTIONS, active(0, A));
        final List<byte[]> onA = syns(10_000, 30);
        assertEquals(Map.of(A, 30), countByBackend(send(onA)));
        publish(SchedulerKind.LEAST_CONNECTIONS, active(0, A), active(1, B), active(2, C));
        assertEquals(Map.of(B, 30, C, 30), countByBackend(send(syns(20_000, 60))), "A is the busiest");
        assertEquals(30, dataplane.established().of(0));
        assertEquals(30, dataplane.established().of(1));

        // A's connections end; once their entries expire (closing timeout) and are swept, A is the least loaded.
        final List<byte[]> endOfA = new ArrayList<>();
        for (int i = 0; i < onA.size(); i++)
        {
            endOfA.add(fin("198.51.100.7", 10_000 + i));
        }
        send(endOfA);
        now += Timeouts.DEFAULTS.tcpClosingMillis() + 1;
        sweepExpired();
        assertEquals(0, dataplane.established().of(0), "expired flows are no longer counted");
        assertEquals(30, dataplane.established().of(1));
        assertEquals(Map.of(A, 30), countByBackend(send(syns(30_000, 30))));
        assertEquals(Map.of(A, 10, B, 10, C, 10), countByBackend(send(syns(40_000, 30))), "level: taken in turn");
    }

    @Test
    void leastConnectionsWeighsEstablishedFlowsByWeight()
    {
        publish(SchedulerKind.LEAST_CONNECTIONS, backend(0, A, 100, BackendState.ACTIVE),
            backend(1, B, 200, BackendState.ACTIVE), backend(2, C, 100, BackendState.ACTIVE));
        assertEquals(Map.of(A, 100, B, 200, C, 100), countByBackend(send(syns(10_000, 400))));
    }

    @Test
    void ipHashKeepsEveryConnectionOfAClientOnOneBackend()
    {
        publish(SchedulerKind.IP_HASH, active(0, A), active(1, B), active(2, C));
        final Map<String, String> backendOfClient = new HashMap<>();
        for (int client = 1; client <= 200; client++)
        {
            final List<byte[]> connections = new ArrayList<>();
            for (int connection = 0; connection < 5; connection++)
            {
                connections.add(syn("198.51.100." + client, 10_000 + 7919 * connection));
            }
            final List<String> backends = send(connections);
            assertEquals(1, countByBackend(backends).size(), "client " + client + ": " + backends);
            backendOfClient.put("198.51.100." + client, backends.getFirst());
        }
        assertEquals(3, countByBackend(new ArrayList<>(backendOfClient.values())).size(), "clients are spread");
    }

    @Test
    void ipHashMovesAboutOneInNOfTheClientsWhenABackendIsAdded()
    {
        final int clients = 10_000;
        publish(SchedulerKind.IP_HASH, active(0, A), active(1, B), active(2, C), active(3, D));
        final List<String> before = send(connections(clients, 10_000));
        publish(SchedulerKind.IP_HASH, active(0, A), active(1, B), active(2, C), active(3, D), active(4, E));
        final List<String> after = send(connections(clients, 20_000)); // new connections of the same clients
        int moved = 0;
        for (int i = 0; i < clients; i++)
        {
            moved += before.get(i).equals(after.get(i)) ? 0 : 1;
        }
        final int n = 5;
        assertTrue(moved >= clients / (2 * n) && moved <= clients * 3 / (2 * n),
            moved + " of " + clients + " clients moved; about 1/" + n + " should");
        assertTrue(countByBackend(after).get(E) >= moved * 9 / 10, "those that moved went to the new backend, but a "
            + "few Maglev slots that changed hands among the others: " + countByBackend(after).get(E) + " of " + moved);
    }

    /** One connection from each of {@code clients} distinct clients, from {@code clientPort}. */
    private static List<byte[]> connections(final int clients, final int clientPort)
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int client = 0; client < clients; client++)
        {
            frames.add(syn("198.51." + (client / 250) + "." + (client % 250 + 1), clientPort));
        }
        return frames;
    }

    @Test
    void drainedDownAndWeightZeroBackendsGetNoNewFlowsFromAnyScheduler()
    {
        for (final SchedulerKind scheduler : Service.DATA_PLANE_SCHEDULERS)
        {
            publish(scheduler, backend(0, A, 100, BackendState.DRAINING), backend(1, B, 100, BackendState.DOWN),
                backend(2, C, 100, BackendState.ACTIVE), backend(3, D, 0, BackendState.ACTIVE),
                backend(4, E, 100, BackendState.ACTIVE));
            final List<byte[]> flows = new ArrayList<>();
            for (int flow = 0; flow < 300; flow++)
            {
                flows.add(syn("198.51.100." + (flow % 100 + 1), 1_000 * (scheduler.ordinal() + 1) + flow));
            }
            final Map<String, Integer> spread = countByBackend(send(flows));
            assertEquals(List.of(C, E), List.copyOf(spread.keySet()), scheduler + ": " + spread);
        }
    }

    @Test
    void aServiceWithNoBackendTakingNewFlowsDropsThemWithEveryScheduler()
    {
        int expected = 0;
        for (final SchedulerKind scheduler : Service.DATA_PLANE_SCHEDULERS)
        {
            publish(scheduler, backend(0, A, 100, BackendState.DRAINING), backend(1, B, 100, BackendState.DOWN),
                backend(2, C, 0, BackendState.ACTIVE));
            assertEquals(List.of(), send(syns(1_000 * (scheduler.ordinal() + 1), 10)), scheduler.yamlName());
            expected += 10;
        }
        worker.onClose();
        assertEquals(expected, CounterTotals.read(counters.reader())
            .value(CounterType.WORKER_DROP, DropReason.NO_HEALTHY_BACKEND));
    }

    @Test
    void newFlowsAllocateNothingWithEveryScheduler()
    {
        for (final SchedulerKind scheduler : Service.DATA_PLANE_SCHEDULERS)
        {
            try (Dataplane quiet = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 12),
                CountersFile.inMemory(256), () -> now, Throwable::printStackTrace))
            {
                final InMemoryPort discarding = new InMemoryPort("quiet", 64, 1500, PORT_MAC, FrameSink.DISCARD,
                    FrameSink.DISCARD);
                final ForwardingAgent agent = quiet.addWorker(discarding);
                quiet.publish(List.of(new Service(0, "web", ip(VIP), 80, Service.TCP, Encapsulation.IPIP, scheduler,
                    65537, List.of(active(0, A), backend(1, B, 300, BackendState.ACTIVE), active(2, C)))));
                final byte[] frame = syn("198.51.100.40", 0);
                final MemorySegment source = MemorySegment.ofArray(frame);
                final long sourcePort = 14 + 20; // Ethernet, IPv4: the TCP source port, changed for every flow
                final com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
                long allocated = 0;
                int flow = 0;
                for (int round = 0; round < 3; round++) // the first rounds warm the JIT up (escape analysis)
                {
                    final long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 50_000; i++)
                    {
                        // A 5-tuple comes back every 65 536 flows, long evicted from the 4 096-slot table.
                        source.set(PORT, sourcePort, (short)flow++);
                        discarding.inject(source, 0, frame.length);
                        agent.doWork();
                    }
                    allocated = threads.getCurrentThreadAllocatedBytes() - before;
                }
                assertEquals(150_000, discarding.transmittedCount(), scheduler + ": every packet was forwarded");
                assertTrue(allocated < 50_000,
                    scheduler + ": the core allocated " + allocated + " bytes for 50 000 new flows");
            }
        }
    }

    @Test
    void establishedFlowsAreCountedPerBackendOverEveryWorker()
    {
        final InMemoryPort second = new InMemoryPort("second", 256, 1500, PORT_MAC, FrameSink.DISCARD,
            FrameSink.DISCARD);
        final ForwardingAgent other = dataplane.addWorker(second);
        publish(SchedulerKind.LEAST_CONNECTIONS, active(0, A), active(1, B));
        // 10 flows through the second worker: all count, so the first worker's new flows go to the other backend.
        for (int flow = 0; flow < 10; flow++)
        {
            assertTrue(second.inject(syn("198.51.100.9", 50_000 + flow)));
        }
        while (second.pending() > 0)
        {
            other.doWork();
        }
        final ConnectionTable secondTable = other.forwarder().connections();
        assertEquals(10, secondTable.flowCounts().get(0) + secondTable.flowCounts().get(1));
        assertEquals(10, dataplane.established().of(0) + dataplane.established().of(1));
        final Map<String, Integer> spread = countByBackend(send(syns(10_000, 20)));
        assertEquals(15, dataplane.established().of(0), "level after both workers' flows: " + spread);
        assertEquals(15, dataplane.established().of(1));
    }
}
