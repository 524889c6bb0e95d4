package io.fulcrum.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.agent.ForwardingAgent;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.ParseResult;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.InMemoryPort;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.DropReason;

/**
 * The forwarding core end to end on an in-memory port: frames in, the frames Fulcrum would send out, and the
 * counters an operator reads. Transmitted frames are decoded with our own parser here; the encapsulation tests
 * check the same bytes with tshark.
 */
class ForwardingCoreTest
{
    private static final String VIP4 = "192.0.2.10";
    private static final String VIP6 = "2001:db8::10";
    private static final long PORT_MAC = 0x02_00_00_00_00_aaL;

    private final List<byte[]> transmitted = new ArrayList<>();
    private final List<byte[]> passed = new ArrayList<>();
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
            (memory, offset, length) -> transmitted.add(memory.asSlice(offset, length).toArray(
                java.lang.foreign.ValueLayout.JAVA_BYTE)),
            (memory, offset, length) -> passed.add(memory.asSlice(offset, length).toArray(
                java.lang.foreign.ValueLayout.JAVA_BYTE)));
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

    private static Backend backend(final int id, final String address, final BackendState state)
    {
        return new Backend(id, ip(address), 100, state, 0x02_00_00_00_01_00L + id);
    }

    private static List<Backend> threeBackends(final BackendState stateOfFirst)
    {
        return List.of(backend(0, "10.0.0.11", stateOfFirst), backend(1, "10.0.0.12", BackendState.ACTIVE),
            backend(2, "10.0.0.13", BackendState.ACTIVE));
    }

    private static Service web(final List<Backend> backends)
    {
        return new Service(0, "web", ip(VIP4), 80, Service.TCP, Encapsulation.IPIP, 65537, backends);
    }

    /** Sends frames through the worker and returns what it transmitted, in order. */
    private List<byte[]> send(final List<byte[]> frames)
    {
        transmitted.clear();
        passed.clear();
        for (final byte[] frame : frames)
        {
            if (!port.inject(frame))
            {
                drain();
                assertTrue(port.inject(frame));
            }
        }
        drain();
        return new ArrayList<>(transmitted);
    }

    private void drain()
    {
        while (port.pending() > 0)
        {
            worker.doWork();
        }
    }

    /** The outer destination of an encapsulated frame: the backend it was sent to. */
    private static String outerDestination(final byte[] frame)
    {
        final PacketParser parser = new PacketParser();
        assertEquals(ParseResult.IP, parser.parse(MemorySegment.ofArray(frame), 0, frame.length));
        return IpAddresses.format(parser.dstHi(), parser.dstLo());
    }

    private static byte[] syn(final String client, final int port)
    {
        return FrameBuilder.ipv4(client, VIP4).tcp(port, 80, Tcp.SYN).build();
    }

    private CounterTotals totals()
    {
        worker.onClose();
        return CounterTotals.read(counters.reader());
    }

    /**
     * On a real interface, service traffic to a VRRP virtual MAC is forwarded only while the control plane holds that
     * MAC (this box is master): a backup leaves what a switch flooded to it to the kernel, as for any other MAC.
     */
    @Test
    void aVirtualMacIsForwardedOnlyWhileThisBoxHoldsIt()
    {
        final long virtualMac = 0x00_00_5e_00_01_33L;
        final List<byte[]> sent = new ArrayList<>();
        final List<byte[]> toKernel = new ArrayList<>();
        try (Dataplane box = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 10),
            CountersFile.inMemory(1024), () -> now, Throwable::printStackTrace))
        {
            final InMemoryPort wire = new InMemoryPort("wire", 16, 1500, PORT_MAC,
                (memory, offset, length) -> sent.add(new byte[length]),
                (memory, offset, length) -> toKernel.add(new byte[length])).filterByMac();
            final ForwardingAgent agent = box.addWorker(wire);
            box.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
            final byte[] toVirtualMac = FrameBuilder.ipv4("198.51.100.9", VIP4)
                .macs(FrameBuilder.CLIENT_MAC, virtualMac).tcp(40_000, 80, Tcp.SYN).build();
            final byte[] toAnotherMac = FrameBuilder.ipv4("198.51.100.9", VIP4)
                .macs(FrameBuilder.CLIENT_MAC, 0x02_00_00_00_00_99L).tcp(40_001, 80, Tcp.SYN).build();
            final byte[] toPortMac = FrameBuilder.ipv4("198.51.100.9", VIP4)
                .macs(FrameBuilder.CLIENT_MAC, PORT_MAC).tcp(40_002, 80, Tcp.SYN).build();
            final Runnable drainWire = () ->
            {
                while (wire.pending() > 0)
                {
                    agent.doWork();
                }
            };

            for (final byte[] frame : List.of(toVirtualMac, toAnotherMac, toPortMac))
            {
                assertTrue(wire.inject(frame));
            }
            drainWire.run();
            assertEquals(1, sent.size(), "a backup forwards only what is addressed to its own MAC");
            assertEquals(2, toKernel.size());

            box.acceptedMacs().hold(virtualMac);
            sent.clear();
            toKernel.clear();
            for (final byte[] frame : List.of(toVirtualMac, toAnotherMac, toPortMac))
            {
                assertTrue(wire.inject(frame));
            }
            drainWire.run();
            assertEquals(2, sent.size(), "master: the virtual MAC's traffic is balanced too");
            assertEquals(1, toKernel.size(), "another MAC is still not ours");

            box.acceptedMacs().release(virtualMac);
            sent.clear();
            toKernel.clear();
            assertTrue(wire.inject(toVirtualMac));
            drainWire.run();
            assertEquals(0, sent.size(), "released: back to the kernel");
            assertEquals(1, toKernel.size());
        }
    }

    @Test
    void newFlowsSpreadOverBackendsAndEachFlowStaysOnOne()
    {
        dataplane.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
        final List<byte[]> first = new ArrayList<>();
        for (int flow = 0; flow < 3000; flow++)
        {
            first.add(syn("198.51.100." + (flow % 200 + 1), 10_000 + flow));
        }
        final List<byte[]> out = send(first);
        assertEquals(3000, out.size());
        final Map<String, Integer> perBackend = new HashMap<>();
        final List<String> chosen = new ArrayList<>();
        for (final byte[] frame : out)
        {
            final String backend = outerDestination(frame);
            chosen.add(backend);
            perBackend.merge(backend, 1, Integer::sum);
        }
        assertEquals(3, perBackend.size(), perBackend.toString());
        perBackend.values().forEach(n -> assertTrue(Math.abs(n - 1000) < 150, perBackend.toString()));

        // The same flows again: every packet goes where its flow's first packet went.
        final List<byte[]> again = send(first);
        for (int i = 0; i < again.size(); i++)
        {
            assertEquals(chosen.get(i), outerDestination(again.get(i)));
        }
        final CounterTotals totals = totals();
        assertEquals(6000, totals.value(CounterType.SERVICE_PACKETS, 0));
        assertEquals(3000, totals.value(CounterType.SERVICE_NEW_FLOWS, 0));
        assertEquals(perBackend.get("10.0.0.11") * 2, totals.value(CounterType.BACKEND_PACKETS, 0));
    }

    @Test
    void aBackendThatGoesDownLosesOnlyItsOwnFlows()
    {
        dataplane.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
        final List<byte[]> flows = new ArrayList<>();
        for (int flow = 0; flow < 600; flow++)
        {
            flows.add(syn("198.51.100.7", 20_000 + flow));
        }
        final List<String> before = send(flows).stream().map(ForwardingCoreTest::outerDestination).toList();

        dataplane.publish(List.of(web(threeBackends(BackendState.DOWN))));
        final List<String> after = send(flows).stream().map(ForwardingCoreTest::outerDestination).toList();
        int moved = 0;
        for (int i = 0; i < before.size(); i++)
        {
            if (before.get(i).equals("10.0.0.11"))
            {
                assertNotEquals("10.0.0.11", after.get(i));
                moved++;
            }
            else
            {
                assertEquals(before.get(i), after.get(i), "a flow on a healthy backend moved");
            }
        }
        assertTrue(moved > 100, "the down backend had flows: " + moved);
    }

    @Test
    void aDrainingBackendKeepsItsFlowsButGetsNoNewOnes()
    {
        dataplane.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
        final List<byte[]> established = new ArrayList<>();
        for (int flow = 0; flow < 300; flow++)
        {
            established.add(syn("198.51.100.8", 30_000 + flow));
        }
        final List<String> before = send(established).stream().map(ForwardingCoreTest::outerDestination).toList();
        dataplane.publish(List.of(web(threeBackends(BackendState.DRAINING))));
        assertEquals(before, send(established).stream().map(ForwardingCoreTest::outerDestination).toList());

        final List<byte[]> fresh = new ArrayList<>();
        for (int flow = 0; flow < 300; flow++)
        {
            fresh.add(syn("198.51.100.9", 40_000 + flow));
        }
        assertTrue(send(fresh).stream().map(ForwardingCoreTest::outerDestination).noneMatch("10.0.0.11"::equals));
    }

    @Test
    void aNewConnectionOnThePortOfOneThatEndedIsANewFlowAndSkipsADrainedBackend()
    {
        dataplane.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
        final List<byte[]> syns = new ArrayList<>();
        final List<byte[]> fins = new ArrayList<>();
        for (int flow = 0; flow < 300; flow++)
        {
            syns.add(syn("198.51.100.10", 50_000 + flow));
            fins.add(FrameBuilder.ipv4("198.51.100.10", VIP4).tcp(50_000 + flow, 80, Tcp.FIN | Tcp.ACK).build());
        }
        final List<String> first = send(syns).stream().map(ForwardingCoreTest::outerDestination).toList();
        assertTrue(first.contains("10.0.0.11"), first.toString());
        send(fins); // the connections end; their entries wait out the closing timeout
        dataplane.publish(List.of(web(threeBackends(BackendState.DRAINING))));

        // The client reuses its ports (the server closed first, so the client has no TIME_WAIT): new connections.
        final List<String> again = send(syns).stream().map(ForwardingCoreTest::outerDestination).toList();
        assertTrue(again.stream().noneMatch("10.0.0.11"::equals), again.toString());
    }

    @Test
    void trafficForNoVipGoesToTheHostAndAnUnservedVipPortIsDroppedAsNoService()
    {
        dataplane.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
        final byte[] arp = FrameBuilder.arp("192.0.2.1", VIP4);
        final byte[] management = FrameBuilder.ipv4("192.0.2.1", "192.0.2.2").tcp(50_000, 22, Tcp.SYN).build();
        final byte[] ping = FrameBuilder.ipv4("192.0.2.1", VIP4).icmp(8, 0, 0).payload(16).build();
        final byte[] wrongPort = FrameBuilder.ipv4("192.0.2.1", VIP4).tcp(50_001, 443, Tcp.SYN).build();
        assertEquals(0, send(List.of(arp, management, ping, wrongPort)).size());
        assertEquals(3, passed.size());
        assertEquals(1, totals().value(CounterType.WORKER_DROP, DropReason.NO_SERVICE));
    }

    @Test
    void allFragmentsOfADatagramReachOneBackend()
    {
        final Service dns = new Service(0, "dns", ip(VIP4), 53, Service.UDP, Encapsulation.GUE, 65537,
            threeBackends(BackendState.ACTIVE));
        dataplane.publish(List.of(dns));
        final List<byte[]> frames = new ArrayList<>();
        for (int client = 1; client <= 50; client++)
        {
            final String source = "198.51.100." + client;
            frames.add(FrameBuilder.ipv4(source, VIP4).dontFragment(false).fragment(0, true, client)
                .udp(5353, 53).payload(64).build());
            frames.add(FrameBuilder.ipv4(source, VIP4).dontFragment(false).fragment(72, false, client)
                .raw(17).payload(40).build());
        }
        final List<byte[]> out = send(frames);
        assertEquals(100, out.size());
        for (int i = 0; i < out.size(); i += 2)
        {
            assertEquals(outerDestination(out.get(i)), outerDestination(out.get(i + 1)));
        }
    }

    @Test
    void anIcmpErrorAboutAFlowGoesToTheBackendThatServesIt()
    {
        dataplane.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
        final List<byte[]> flows = new ArrayList<>();
        for (int flow = 0; flow < 50; flow++)
        {
            flows.add(syn("198.51.100.20", 50_000 + flow));
        }
        final List<String> owners = send(flows).stream().map(ForwardingCoreTest::outerDestination).toList();
        final List<byte[]> errors = new ArrayList<>();
        for (int flow = 0; flow < 50; flow++)
        {
            // The backend's reply (VIP:80 -> client) met a smaller MTU on the way; a router tells the VIP.
            final byte[] quoted = FrameBuilder.ipv4(VIP4, "198.51.100.20").tcp(80, 50_000 + flow, Tcp.ACK)
                .payload(0).buildIp();
            errors.add(FrameBuilder.ipv4("203.0.113.1", VIP4).icmp(3, 4, 1400).payload(quoted).build());
        }
        assertEquals(owners, send(errors).stream().map(ForwardingCoreTest::outerDestination).toList());
    }

    @Test
    void aPacketTooBigToEncapsulateIsAnsweredWithTheReducedMtu()
    {
        dataplane.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
        final byte[] big = FrameBuilder.ipv4("198.51.100.30", VIP4).dontFragment(true)
            .tcp(60_000, 80, Tcp.ACK).payload(1460).build();
        final List<byte[]> out = send(List.of(big));
        assertEquals(1, out.size());
        final byte[] reply = out.get(0);
        final PacketParser parser = new PacketParser();
        assertEquals(ParseResult.IP, parser.parse(MemorySegment.ofArray(reply), 0, reply.length));
        assertEquals("198.51.100.30", IpAddresses.format(parser.dstHi(), parser.dstLo()));
        assertEquals(VIP4, IpAddresses.format(parser.srcHi(), parser.srcLo()));
        assertEquals(3, parser.icmpType());
        assertEquals(4, parser.icmpCode());
        final int mtuField = (reply[14 + 20 + 6] & 0xff) << 8 | (reply[14 + 20 + 7] & 0xff);
        assertEquals(1480, mtuField); // 1500 minus the 20-byte outer IPv4 header
        assertEquals(1, totals().value(CounterType.WORKER_DROP, DropReason.TOO_BIG));
    }

    @Test
    void ipv6ServicesReachIpv6BackendsAndMalformedFramesAreCountedNotForwarded()
    {
        final Service web6 = new Service(1, "web6", ip(VIP6), 443, Service.TCP, Encapsulation.IPIP, 65537,
            List.of(backend(5, "fd00::5", BackendState.ACTIVE), backend(6, "fd00::6", BackendState.ACTIVE)));
        dataplane.publish(List.of(web6));
        final byte[] good = FrameBuilder.ipv6("2001:db8:c::1", VIP6).tcp(40_000, 443, Tcp.SYN).build();
        final byte[] truncated = java.util.Arrays.copyOf(good, 30);
        final List<byte[]> out = send(List.of(good, truncated));
        assertEquals(1, out.size());
        assertTrue(java.util.Set.of(ip("fd00::5"), ip("fd00::6")).contains(ip(outerDestination(out.get(0)))));
        assertEquals(1, totals().value(CounterType.WORKER_DROP, DropReason.MALFORMED));
    }

    @Test
    void aWorkerWithSyncOnRecordsFlowChangesWithoutAllocating()
    {
        try (Dataplane quiet = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 12),
            CountersFile.inMemory(256), () -> now, Throwable::printStackTrace))
        {
            final InMemoryPort discarding = new InMemoryPort("quiet", 64, 1500, PORT_MAC,
                io.fulcrum.dataplane.port.FrameSink.DISCARD, io.fulcrum.dataplane.port.FrameSink.DISCARD);
            final ForwardingAgent agent = quiet.addWorker(discarding);
            quiet.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
            // The agent is never started: the ring fills and then every record is dropped; both paths are measured.
            quiet.enableSync(io.fulcrum.dataplane.sync.SyncSettings.of(
                new java.net.InetSocketAddress("127.0.0.1", 0), new java.net.InetSocketAddress("127.0.0.1", 9),
                new byte[32]).withRingBytes(1 << 16));
            // A FIN on every packet: each one writes a closing record into the worker's sync ring.
            final byte[] frame = FrameBuilder.ipv4("198.51.100.41", VIP4).tcp(61_001, 80, Tcp.FIN).build();
            final MemorySegment source = MemorySegment.ofArray(frame);
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            long allocated = 0;
            for (int round = 0; round < 3; round++)
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 50_000; i++)
                {
                    discarding.inject(source, 0, frame.length);
                    agent.doWork();
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(150_000, discarding.transmittedCount(), "every packet was forwarded");
            assertTrue(agent.sync().dropped() > 100_000, "the full ring dropped records: " + agent.sync().dropped());
            assertTrue(allocated < 50_000, "the core allocated " + allocated + " bytes for 50 000 packets");
        }
    }

    @Test
    void forwardingEstablishedFlowsAllocatesNothing()
    {
        try (Dataplane quiet = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 12),
            CountersFile.inMemory(256), () -> now, Throwable::printStackTrace))
        {
            final InMemoryPort discarding = new InMemoryPort("quiet", 64, 1500, PORT_MAC,
                io.fulcrum.dataplane.port.FrameSink.DISCARD, io.fulcrum.dataplane.port.FrameSink.DISCARD);
            final ForwardingAgent agent = quiet.addWorker(discarding);
            quiet.publish(List.of(web(threeBackends(BackendState.ACTIVE))));
            final byte[] frame = syn("198.51.100.40", 61_000);
            final MemorySegment source = MemorySegment.ofArray(frame);
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            long allocated = 0;
            for (int round = 0; round < 3; round++) // the first rounds warm the JIT up (escape analysis)
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 50_000; i++)
                {
                    discarding.inject(source, 0, frame.length);
                    agent.doWork();
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(150_000, discarding.transmittedCount(), "every packet was forwarded");
            assertTrue(allocated < 50_000, "the core allocated " + allocated + " bytes for 50 000 packets");
        }
    }
}
