package io.fulcrum.dataplane.port.afpacket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Verdict;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.sys.NativeException;
import io.fulcrum.dataplane.testing.Netns;
import io.fulcrum.dataplane.testing.SystemRequirements;

/**
 * Two namespaces joined by a veth pair: the port under test sits on "va" in namespace a, its peer (another
 * AfPacketPort, which the tests trust only as far as the first test checks it) on "vb" in namespace b.
 */
class AfPacketPortTest
{
    private static final long DEADLINE_NANOS = 5_000_000_000L;

    private Netns netns;
    private String a;
    private String b;

    @BeforeEach
    void requireRoot()
    {
        SystemRequirements.requireRoot();
    }

    private void link(final Netns created)
    {
        netns = created;
        a = created.namespace("a");
        b = created.namespace("b");
        created.veth(a, "va", null, b, "vb", null);
    }

    @Test
    void everyFrameSentIsReceivedExactlyOnceInOrderWithIdenticalBytes() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            try (AfPacketPort receiver = openIn(a, AfPacketSettings.defaults("va"));
                 AfPacketPort sender = openIn(b, AfPacketSettings.defaults("vb")))
            {
                final List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < 2000; i++)
                {
                    sent.add(TestFrames.udp(receiver.macAddress(), 40000 + i % 7, i, 60 + (i * 37) % 1455));
                }
                sendAll(sender, sent);

                final List<byte[]> received = receiveTestFrames(receiver, sent.size(), frame -> Verdict.DROP);

                assertEquals(sent.size(), received.size(), "frames received");
                for (int i = 0; i < sent.size(); i++)
                {
                    assertArrayEquals(sent.get(i), received.get(i), "frame " + i);
                }
                assertEquals(0, receiver.rxDropsKernel(), "kernel drops");
                assertTrue(receiver.rxPackets() >= sent.size());
            }
        }
    }

    @Test
    void framesSentPastTheQueueingDisciplineArriveInOrder() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            try (AfPacketPort receiver = openIn(a, AfPacketSettings.defaults("va"));
                 AfPacketPort sender = openIn(b, AfPacketSettings.defaults("vb").withQdiscBypass(true)))
            {
                final List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < 500; i++)
                {
                    sent.add(TestFrames.udp(receiver.macAddress(), 40000, i, 60 + i));
                }
                sendAll(sender, sent);

                final List<byte[]> received = receiveTestFrames(receiver, sent.size(), frame -> Verdict.DROP);

                assertEquals(sent.size(), received.size(), "frames received");
                for (int i = 0; i < sent.size(); i++)
                {
                    assertArrayEquals(sent.get(i), received.get(i), "frame " + i);
                }
            }
        }
    }

    /**
     * The kernel never loops a socket's own frames back to it (dev_queue_xmit_nit skips the sending socket), but
     * every other packet socket on the interface sees them as outgoing: the other workers of a fanout group, or a
     * second port. PACKET_IGNORE_OUTGOING keeps them out.
     */
    @Test
    void framesSentOutOfAnInterfaceAreNotReceivedByAnotherPortOnIt() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            try (AfPacketPort receiver = openIn(a, AfPacketSettings.defaults("va"));
                 AfPacketPort sender = openIn(b, AfPacketSettings.defaults("vb"));
                 AfPacketPort bystander = openIn(b, AfPacketSettings.defaults("vb")))
            {
                final List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < 50; i++)
                {
                    sent.add(TestFrames.udp(receiver.macAddress(), 40000, i, 100));
                }
                sendAll(sender, sent);

                assertEquals(sent.size(), receiveTestFrames(receiver, sent.size(), frame -> Verdict.DROP).size());
                assertEquals(0, drainTestFrames(bystander, 200_000_000L).size(), "frames the bystander saw");
                assertEquals(0, drainTestFrames(sender, 10_000_000L).size(), "frames the sender saw");
            }
        }
    }

    /** The receiving kernel strips the 802.1Q tag into the packet's metadata (skb_vlan_untag); the port puts it back. */
    @Test
    void aVlanTaggedFrameIsReceivedWithItsTag() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            try (AfPacketPort receiver = openIn(a, AfPacketSettings.defaults("va"));
                 AfPacketPort sender = openIn(b, AfPacketSettings.defaults("vb")))
            {
                final List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < 20; i++)
                {
                    final byte[] untagged = TestFrames.udp(receiver.macAddress(), 40000, i, 100 + i);
                    final byte[] tagged = new byte[untagged.length + 4];
                    System.arraycopy(untagged, 0, tagged, 0, 12);
                    tagged[12] = (byte)0x81;
                    tagged[13] = 0x00;
                    tagged[14] = (byte)(0x20 | (i >> 8)); // priority 1, VLAN id i + 100
                    tagged[15] = (byte)(i + 100);
                    System.arraycopy(untagged, 12, tagged, 16, untagged.length - 12);
                    sent.add(tagged);
                }
                sendAll(sender, sent);

                final List<byte[]> received = receiveTestFrames(receiver, sent.size(), frame -> Verdict.DROP);

                assertEquals(sent.size(), received.size(), "frames received");
                for (int i = 0; i < sent.size(); i++)
                {
                    assertArrayEquals(sent.get(i), received.get(i), "tagged frame " + i);
                }
            }
        }
    }

    @Test
    void framesArrivingAtAFullRingAreCountedAsKernelDrops() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            // two 4 KiB blocks hold a few dozen 200-byte frames
            try (AfPacketPort receiver = openIn(a, AfPacketSettings.defaults("va").withRxRing(4096, 2));
                 AfPacketPort sender = openIn(b, AfPacketSettings.defaults("vb")))
            {
                final List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < 300; i++)
                {
                    sent.add(TestFrames.udp(receiver.macAddress(), 40000, i, 200));
                }
                sendAll(sender, sent);

                final List<byte[]> received = drainTestFrames(receiver, 200_000_000L);

                assertTrue(received.size() < sent.size(), "received " + received.size());
                assertEquals(sent.size(), received.size() + receiver.rxDropsKernel(), "received plus dropped");
                assertTrue(receiver.rxRingFreezes() > 0, "ring freezes");
            }
        }
    }

    @Test
    void onlyFramesWithATransmitVerdictReachThePeerAndThoseUnchanged() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            try (AfPacketPort balancer = openIn(a, AfPacketSettings.defaults("va"));
                 AfPacketPort peer = openIn(b, AfPacketSettings.defaults("vb")))
            {
                final List<byte[]> sent = new ArrayList<>();
                final List<byte[]> expected = new ArrayList<>();
                for (int i = 0; i < 300; i++)
                {
                    final byte[] frame = TestFrames.udp(balancer.macAddress(), 40000 + i % 5, i, 64 + i * 3);
                    sent.add(frame);
                    if (verdictFor(frame) == Verdict.TRANSMIT)
                    {
                        expected.add(frame);
                    }
                }
                sendAll(peer, sent);

                final List<byte[]> seen = receiveTestFrames(balancer, sent.size(), AfPacketPortTest::verdictFor);
                assertEquals(sent.size(), seen.size(), "frames the balancer received");
                final List<byte[]> returned = receiveTestFrames(peer, expected.size(), frame -> Verdict.DROP);
                // nothing further may arrive: the PASS and DROP frames must not have been sent
                returned.addAll(drainTestFrames(peer, 200_000_000L));

                assertEquals(expected.size(), returned.size(), "frames back at the peer");
                for (int i = 0; i < expected.size(); i++)
                {
                    assertArrayEquals(expected.get(i), returned.get(i), "transmitted frame " + i);
                }
                assertEquals(expected.size(), balancer.txPackets());
                assertEquals(0, balancer.txErrors());
            }
        }
    }

    /**
     * Zero allocation holds only once the JIT has compiled the path (interpreted FFM downcalls allocate), so rounds
     * repeat until one allocates nothing; a per-frame allocation would make every round allocate, and the test fail.
     */
    @Test
    void receivingTransmittingAndCompletingAllocateNothingOnceWarm() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        try (Netns ns = new Netns())
        {
            link(ns);
            try (AfPacketPort balancer = openIn(a, AfPacketSettings.defaults("va"));
                 AfPacketPort peer = openIn(b, AfPacketSettings.defaults("vb")))
            {
                final List<byte[]> round = new ArrayList<>();
                for (int i = 0; i < 500; i++)
                {
                    round.add(TestFrames.udp(balancer.macAddress(), 40000 + i % 11, i, 64 + i % 200));
                }
                final PacketBatch batch = new PacketBatch(4);
                final PacketBatch peerBatch = new PacketBatch(32);
                final long testDeadline = System.nanoTime() + 6 * DEADLINE_NANOS;
                long allocated = -1;
                int rounds = 0;
                while (allocated != 0 && System.nanoTime() < testDeadline)
                {
                    sendAll(peer, round);
                    allocated = 0;
                    int handled = 0;
                    final long deadline = System.nanoTime() + DEADLINE_NANOS;
                    while (handled < round.size() && System.nanoTime() < deadline)
                    {
                        final long before = threads.getCurrentThreadAllocatedBytes();
                        final int n = balancer.receive(batch);
                        for (int i = 0; i < n; i++)
                        {
                            batch.verdict(i, Verdict.TRANSMIT);
                        }
                        balancer.complete(batch);
                        balancer.poll();
                        allocated += threads.getCurrentThreadAllocatedBytes() - before;
                        handled += n;
                        // the peer drains what comes back so that nothing piles up
                        peer.complete(peerBatchOf(peer, peerBatch));
                    }
                    assertTrue(handled >= round.size(), "frames handled in round " + rounds + ": " + handled);
                    rounds++;
                }
                assertEquals(0, allocated, "bytes allocated by receive/complete/poll in the last of " + rounds
                    + " rounds of " + round.size() + " frames");
            }
        }
    }

    private static PacketBatch peerBatchOf(final AfPacketPort port, final PacketBatch batch)
    {
        final int n = port.receive(batch);
        for (int i = 0; i < n; i++)
        {
            batch.verdict(i, Verdict.DROP);
        }
        return batch;
    }

    private static int verdictFor(final byte[] frame)
    {
        return switch (TestFrames.sequence(frame) % 3)
        {
            case 0 -> Verdict.TRANSMIT;
            case 1 -> Verdict.PASS;
            default -> Verdict.DROP;
        };
    }

    @Test
    void twoPortsInOneFanoutGroupReceiveEveryFrameOnceAndEachFlowOnOnePort() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            final AfPacketSettings shared = AfPacketSettings.defaults("va").withFanout(4242);
            try (AfPacketPort first = openIn(a, shared);
                 AfPacketPort second = openIn(a, shared);
                 AfPacketPort sender = openIn(b, AfPacketSettings.defaults("vb")))
            {
                final int flows = 64;
                final int perFlow = 10;
                final List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < flows * perFlow; i++)
                {
                    sent.add(TestFrames.udp(first.macAddress(), 20000 + i % flows, i, 90));
                }
                sendAll(sender, sent);

                final List<byte[]> toFirst = new ArrayList<>();
                final List<byte[]> toSecond = new ArrayList<>();
                final PacketBatch batch = new PacketBatch(64);
                final long deadline = System.nanoTime() + DEADLINE_NANOS;
                while (toFirst.size() + toSecond.size() < sent.size() && System.nanoTime() < deadline)
                {
                    collect(first, batch, toFirst, frame -> Verdict.DROP);
                    collect(second, batch, toSecond, frame -> Verdict.DROP);
                }
                collect(first, batch, toFirst, frame -> Verdict.DROP);
                collect(second, batch, toSecond, frame -> Verdict.DROP);

                final Set<Integer> sequences = new HashSet<>();
                final Map<Integer, Set<String>> portsOfFlow = new HashMap<>();
                for (final byte[] frame : toFirst)
                {
                    assertTrue(sequences.add(TestFrames.sequence(frame)), "received twice");
                    portsOfFlow.computeIfAbsent(TestFrames.sourcePort(frame), k -> new HashSet<>()).add("first");
                }
                for (final byte[] frame : toSecond)
                {
                    assertTrue(sequences.add(TestFrames.sequence(frame)), "received twice");
                    portsOfFlow.computeIfAbsent(TestFrames.sourcePort(frame), k -> new HashSet<>()).add("second");
                }
                assertEquals(sent.size(), sequences.size(), "frames received by the group");
                assertEquals(flows, portsOfFlow.size());
                portsOfFlow.forEach((flow, ports) -> assertEquals(1, ports.size(), "ports of flow " + flow));
                // 64 flows all hashing to one port has probability 2^-63
                assertFalse(toFirst.isEmpty(), "the first port got no flow");
                assertFalse(toSecond.isEmpty(), "the second port got no flow");
            }
        }
    }

    @Test
    void openingAndClosingFiftyTimesLeaksNoDescriptorsNorMappings() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            final long socketsBefore = countSockets();
            final long mappingsBefore = countPacketMappings();
            final long[] whileOpen = new long[2];
            Namespaces.runIn(a, () ->
            {
                for (int i = 0; i < 50; i++)
                {
                    final AfPacketPort port = AfPacketPort.open(AfPacketSettings.defaults("va").withFanout(7));
                    whileOpen[0] = countSockets();
                    whileOpen[1] = countPacketMappings();
                    port.close();
                    port.close();
                }
                return null;
            });
            // the counts can see a port: one more socket and one more mapping while it is open
            assertEquals(socketsBefore + 1, whileOpen[0], "sockets while a port is open");
            assertEquals(mappingsBefore + 1, whileOpen[1], "packet ring mappings while a port is open");
            assertEquals(socketsBefore, countSockets(), "open sockets");
            assertEquals(mappingsBefore, countPacketMappings(), "packet ring mappings");
        }
    }

    @Test
    void aClosedPortReceivesAndSendsNothing() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            final AfPacketPort port = openIn(a, AfPacketSettings.defaults("va"));
            port.close();
            final PacketBatch batch = new PacketBatch(8);
            assertEquals(0, port.receive(batch));
            final byte[] frame = TestFrames.udp(0, 1, 1, 60);
            assertFalse(port.transmit(MemorySegment.ofArray(frame), 0, frame.length));
            assertEquals(0, port.poll());
        }
    }

    @Test
    void mtuAndMacAddressAreTheInterfaces() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            ns.exec(a, "ip", "link", "set", "va", "mtu", "1400", "address", "02:11:22:33:44:55");
            try (AfPacketPort port = openIn(a, AfPacketSettings.defaults("va")))
            {
                assertEquals("va", port.name());
                assertEquals(1400, port.mtu());
                assertEquals(0x02_11_22_33_44_55L, port.macAddress());
            }
        }
    }

    @Test
    void openingAnInterfaceThatDoesNotExistNamesIt() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            final NativeException e = assertThrows(NativeException.class,
                () -> openIn(a, AfPacketSettings.defaults("nosuch0")));
            assertTrue(e.getMessage().contains("nosuch0"), e.getMessage());
        }
    }

    @Test
    void openingWithoutCapNetRawSaysWhichCallFailedAndWhatIsNeeded() throws Exception
    {
        try (Netns ns = new Netns())
        {
            link(ns);
            final NativeException e = assertThrows(NativeException.class, () -> Namespaces.runIn(a, () ->
            {
                dropCapNetRawFromThisThread();
                return AfPacketPort.open(AfPacketSettings.defaults("va"));
            }));
            assertEquals(1, e.errno());
            assertTrue(e.getMessage().startsWith("socket(AF_PACKET)"), e.getMessage());
            assertTrue(e.getMessage().contains("CAP_NET_RAW"), e.getMessage());
            assertTrue(e.getMessage().contains("Operation not permitted"), e.getMessage());
        }
    }

    // ---- helpers

    private static AfPacketPort openIn(final String namespace, final AfPacketSettings settings) throws Exception
    {
        return Namespaces.runIn(namespace, () -> AfPacketPort.open(settings));
    }

    /** Puts every frame on the TX ring, kicking it and reclaiming as it fills, within the deadline. */
    private static void sendAll(final AfPacketPort port, final List<byte[]> frames)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        int next = 0;
        while (next < frames.size())
        {
            assertTrue(System.nanoTime() < deadline, "sent only " + next + " of " + frames.size());
            if (port.txInFlight() == port.settings().txFrames())
            {
                port.flush();
                port.poll();
                continue;
            }
            final byte[] frame = frames.get(next);
            assertTrue(port.transmit(MemorySegment.ofArray(frame), 0, frame.length), "transmit " + next);
            next++;
            if (next % 64 == 0)
            {
                port.flush();
            }
        }
        port.flush();
        while (port.txInFlight() > 0 && System.nanoTime() < deadline)
        {
            port.poll();
        }
        assertEquals(0, port.txInFlight(), "TX frames the kernel did not give back");
    }

    /** Receives until {@code count} test frames arrived or the deadline passed; completes each batch. */
    private static List<byte[]> receiveTestFrames(final AfPacketPort port, final int count,
        final ToIntFunction<byte[]> verdict)
    {
        final List<byte[]> frames = new ArrayList<>();
        final PacketBatch batch = new PacketBatch(32);
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (frames.size() < count && System.nanoTime() < deadline)
        {
            collect(port, batch, frames, verdict);
            port.poll();
        }
        return frames;
    }

    /** Receives for {@code nanos} and returns the test frames that came. */
    private static List<byte[]> drainTestFrames(final AfPacketPort port, final long nanos)
    {
        final List<byte[]> frames = new ArrayList<>();
        final PacketBatch batch = new PacketBatch(32);
        final long deadline = System.nanoTime() + nanos;
        while (System.nanoTime() < deadline)
        {
            collect(port, batch, frames, frame -> Verdict.DROP);
        }
        return frames;
    }

    private static void collect(final AfPacketPort port, final PacketBatch batch, final List<byte[]> into,
        final ToIntFunction<byte[]> verdict)
    {
        final int n = port.receive(batch);
        for (int i = 0; i < n; i++)
        {
            assertEquals(AfPacketPort.HEADROOM, batch.offset(i) - batch.slotStart(i), "headroom before frame " + i);
            final byte[] frame = batch.memory().asSlice(batch.offset(i), batch.length(i)).toArray(ValueLayout.JAVA_BYTE);
            if (TestFrames.isTestFrame(frame))
            {
                into.add(frame);
                batch.verdict(i, verdict.applyAsInt(frame));
            }
            else
            {
                batch.verdict(i, Verdict.PASS);
            }
        }
        port.complete(batch);
    }

    /** Descriptors of this process that are sockets (readlink of /proc/self/fd/N is "socket:[inode]"). */
    private static long countSockets() throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.filter(AfPacketPortTest::isSocket).count();
        }
    }

    private static boolean isSocket(final Path fd)
    {
        try
        {
            return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        }
        catch (final IOException e)
        {
            return false; // the directory stream's own descriptor is gone by now
        }
    }

    /** Packet-socket rings appear in /proc/self/maps as mappings of the socket. */
    private static long countPacketMappings() throws IOException
    {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps")))
        {
            return lines.filter(line -> line.contains("socket:") || line.contains("packet")).count();
        }
    }

    /** capset(2) on the calling thread only (capabilities are per thread): clears CAP_NET_RAW (13) from its effective set. */
    private static void dropCapNetRawFromThisThread() throws Exception
    {
        final Linker linker = Linker.nativeLinker();
        final FunctionDescriptor descriptor =
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
        final MethodHandle capget = linker.downcallHandle(linker.defaultLookup().find("capget").orElseThrow(), descriptor);
        final MethodHandle capset = linker.downcallHandle(linker.defaultLookup().find("capset").orElseThrow(), descriptor);
        try (Arena arena = Arena.ofConfined())
        {
            // struct __user_cap_header_struct { __u32 version; int pid; } with _LINUX_CAPABILITY_VERSION_3
            final MemorySegment header = arena.allocate(8, 4);
            header.set(ValueLayout.JAVA_INT, 0, 0x20080522);
            // two struct __user_cap_data_struct { __u32 effective, permitted, inheritable; }
            final MemorySegment data = arena.allocate(24, 4);
            assertEquals(0, (int)capget.invokeExact(header, data));
            data.set(ValueLayout.JAVA_INT, 0, data.get(ValueLayout.JAVA_INT, 0) & ~(1 << 13));
            assertEquals(0, (int)capset.invokeExact(header, data));
        }
        catch (final Exception | Error e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
    }
}
