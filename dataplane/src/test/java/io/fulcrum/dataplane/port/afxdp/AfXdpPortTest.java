package io.fulcrum.dataplane.port.afxdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.Icmp;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Verdict;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.testing.Netns;
import io.fulcrum.dataplane.testing.SystemRequirements;

/**
 * Two namespaces joined by a veth pair: the balancer's end ({@value #LB_IF}) runs the steering program and an
 * AF_XDP port, the client's end ({@value #CL_IF}) sends raw frames and receives what the port transmits.
 */
class AfXdpPortTest
{
    static final String LB_IF = "fxa";
    static final String CL_IF = "fxb";
    private static final long WAIT_NANOS = 3_000_000_000L;
    private static final int TCP = Service.TCP;
    private static final int UDP = Service.UDP;

    private final InetAddress lb4 = address("10.77.0.1");
    private final InetAddress cl4 = address("10.77.0.2");
    private final InetAddress vip4 = address("10.77.0.100");
    private final InetAddress otherVip4 = address("10.77.0.101");
    private final InetAddress lb6 = address("fd77::1");
    private final InetAddress cl6 = address("fd77::2");
    private final InetAddress vip6 = address("fd77::100");

    private Netns netns;
    private String lb;
    private String cl;
    private long lbMac;
    private long clMac;

    @BeforeEach
    void createNamespaces()
    {
        SystemRequirements.requireRoot();
        netns = new Netns();
        lb = netns.namespace("lb");
        cl = netns.namespace("cl");
        netns.veth(lb, LB_IF, null, cl, CL_IF, null);
        netns.exec(lb, "ip", "address", "add", "10.77.0.1/24", "dev", LB_IF);
        netns.exec(lb, "ip", "address", "add", "fd77::1/64", "dev", LB_IF, "nodad");
        netns.exec(cl, "ip", "address", "add", "10.77.0.2/24", "dev", CL_IF);
        netns.exec(cl, "ip", "address", "add", "fd77::2/64", "dev", CL_IF, "nodad");
        lbMac = TestFrames.mac(netns.exec(lb, "cat", "/sys/class/net/" + LB_IF + "/address"));
        clMac = TestFrames.mac(netns.exec(cl, "cat", "/sys/class/net/" + CL_IF + "/address"));
    }

    @AfterEach
    void removeNamespaces()
    {
        if (netns != null)
        {
            netns.close();
        }
    }

    @Test
    void everyFrameForAServiceReachesThePortWithIdenticalBytes() throws Exception
    {
        try (Rig rig = openRig())
        {
            rig.program.addService(vip4, UDP, 80);
            rig.program.addService(vip6, UDP, 443);
            final List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++)
            {
                sent.add(TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 40000 + i, 80, payload("v4 " + i)));
                sent.add(TestFrames.udp(lbMac, clMac, -1, cl6, vip6, 40000 + i, 443, payload("v6 " + i)));
            }
            for (int i = 0; i < 5; i++)
            {
                sent.add(TestFrames.udp(lbMac, clMac, 42, cl4, vip4, 41000 + i, 80, payload("vlan " + i)));
            }
            sendFromClient(sent.toArray(byte[][]::new));

            final List<byte[]> received = receive(rig.port, sent.size());
            assertEquals(sent.size(), received.size(), "frames received by the port");
            for (int i = 0; i < sent.size(); i++)
            {
                assertArrayEquals(sent.get(i), received.get(i), "frame " + i);
            }
            assertEquals(sent.size(), rig.port.rx());
        }
    }

    @Test
    void trafficToTheHostsOwnAddressesStillReachesTheKernel() throws Exception
    {
        try (Rig rig = openRig();
             DatagramSocket server4 = Namespaces.runIn(lb, () -> new DatagramSocket(
                 new InetSocketAddress(lb4, 9100)));
             DatagramSocket server6 = Namespaces.runIn(lb, () -> new DatagramSocket(
                 new InetSocketAddress(lb6, 9100)));
             DatagramSocket client = Namespaces.runIn(cl, () -> new DatagramSocket()))
        {
            rig.program.addService(vip4, UDP, 80);
            server4.setSoTimeout(3000);
            server6.setSoTimeout(3000);
            final byte[] hello = payload("to the host");
            client.send(new DatagramPacket(hello, hello.length, lb4, 9100));
            client.send(new DatagramPacket(hello, hello.length, lb6, 9100));

            final DatagramPacket in = new DatagramPacket(new byte[100], 100);
            server4.receive(in);
            assertEquals("to the host", new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));
            server6.receive(in);
            assertEquals("to the host", new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));
            // the kernel answered ARP and neighbour solicitation itself: the client learned the balancer's MAC
            final String neighbours = netns.exec(cl, "ip", "neigh", "show", "dev", CL_IF);
            assertTrue(neighbours.contains(TestFramesText.mac(lbMac)), neighbours);

            // frames on one veth queue arrive in order: once the marker is in, nothing else was steered
            sendFromClient(TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 5, 80, payload("marker")));
            final List<byte[]> received = receive(rig.port, 1);
            assertEquals(1, received.size());
            assertEquals(1, rig.port.rx(), "only the marker was steered to the port");
        }
    }

    @Test
    void servicesAddedAndRemovedAtRunTimeChangeWhatIsSteered() throws Exception
    {
        try (Rig rig = openRig())
        {
            final Service marking = service(9, otherVip4, UDP, 80);
            rig.program.steer(List.of(marking));
            final byte[] toVip = TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 1, 80, payload("vip"));
            final byte[] toOtherPort = TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 1, 81, payload("other port"));
            final byte[] marker = TestFrames.udp(lbMac, clMac, -1, cl4, otherVip4, 2, 80, payload("marker"));

            sendFromClient(toVip, marker);
            List<byte[]> received = receive(rig.port, 1);
            assertArrayEquals(marker, received.getFirst(), "no service yet: passed to the kernel");
            assertEquals(1, rig.port.rx());

            // a reload adds a service on port 80 of the VIP
            rig.program.steer(List.of(marking, service(1, vip4, UDP, 80)));
            sendFromClient(toVip, toOtherPort, marker);
            received = receive(rig.port, 2);
            assertEquals(2, received.size());
            assertArrayEquals(toVip, received.get(0), "added at run time: steered");
            assertArrayEquals(marker, received.get(1), "a port of the VIP that no service has is the kernel's");

            // the next one moves it to port 81
            rig.program.steer(List.of(marking, service(1, vip4, UDP, 81)));
            sendFromClient(toVip, toOtherPort, marker);
            received = receive(rig.port, 2);
            assertArrayEquals(toOtherPort, received.get(0), "the new port: steered");
            assertArrayEquals(marker, received.get(1), "the removed port: passed again");

            rig.program.steer(List.of(marking));
            assertFalse(rig.program.isVip(vip4), "its last service gone, the address is no VIP");
            sendFromClient(toVip, toOtherPort, marker);
            received = receive(rig.port, 1);
            assertArrayEquals(marker, received.getFirst(), "removed at run time: passed again");
            assertEquals(6, rig.port.rx());
        }
    }

    /**
     * What the program steers is what the data plane forwards: frames for a service, fragments of a protocol a
     * service has, ICMP errors about a service's packets, IPv6 with extension headers the data plane walks. Frames
     * on one veth queue arrive in order, so once the last frame (steered) is in, nothing else was.
     */
    @Test
    void onlyWhatAServiceTakesIsSteeredTheRestOfAVipIsTheKernels() throws Exception
    {
        try (Rig rig = openRig())
        {
            rig.program.steer(List.of(service(0, vip4, UDP, 53), service(1, vip4, TCP, 80), service(2, vip6, UDP, 53)));
            final String v4 = "10.77.0.100";
            final String v6 = "fd77::100";
            final List<byte[]> steered = List.of(
                frame(FrameBuilder.ipv4("10.77.0.2", v4).udp(5000, 53)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).tcp(5000, 80, Tcp.SYN)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).vlan(42).udp(5000, 53)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).options(new byte[] {1, 1, 1, 1}).udp(5000, 53)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).fragment(0, true, 7).udp(5000, 53).payload(16)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).fragment(24, false, 7).raw(Ipv4.PROTOCOL_UDP).payload(8)),
                frame(FrameBuilder.ipv4("10.77.0.9", v4).icmp(Icmp.V4_DESTINATION_UNREACHABLE, 4, 1400)
                    .payload(FrameBuilder.ipv4(v4, "10.77.0.2").tcp(80, 5000, Tcp.ACK).buildIp())),
                frame(FrameBuilder.ipv6("fd77::2", v6).udp(5000, 53)),
                frame(FrameBuilder.ipv6("fd77::2", v6).fragment(8, false, 7).raw(Ipv4.PROTOCOL_UDP).payload(8)),
                frame(FrameBuilder.ipv6("fd77::2", v6).extension(Ipv6.HOP_BY_HOP, 0).udp(5000, 53)),
                frame(FrameBuilder.ipv6("fd77::9", v6).icmp(Icmp.V6_PACKET_TOO_BIG, 0, 1280)
                    .payload(FrameBuilder.ipv6(v6, "fd77::2").udp(53, 5000).buildIp())));
            final List<byte[]> passed = List.of(
                frame(FrameBuilder.ipv4("10.77.0.2", v4).udp(5000, 54)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).tcp(5000, 53, Tcp.SYN)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).icmp(Icmp.V4_ECHO_REQUEST, 0, 0x0001_0001).payload(16)),
                frame(FrameBuilder.ipv4("10.77.0.2", v4).fragment(24, false, 8).raw(Ipv4.PROTOCOL_ICMP).payload(8)),
                frame(FrameBuilder.ipv4("10.77.0.9", v4).icmp(Icmp.V4_DESTINATION_UNREACHABLE, 3, 0)
                    .payload(FrameBuilder.ipv4(v4, "10.77.0.2").udp(54, 5000).buildIp())),
                frame(FrameBuilder.ipv4("10.77.0.2", "10.77.0.1").udp(5000, 53)),
                frame(FrameBuilder.ipv6("fd77::2", v6).udp(5000, 54)),
                frame(FrameBuilder.ipv6("fd77::2", v6).icmp(Icmp.V6_ECHO_REQUEST, 0, 0x0001_0001).payload(16)),
                frame(FrameBuilder.ipv6("fd77::2", v6).fragment(8, false, 8).raw(Ipv4.PROTOCOL_TCP).payload(8)),
                frame(FrameBuilder.ipv6("fd77::2", "fd77::1").udp(5000, 53)));
            final List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < Math.max(steered.size(), passed.size()); i++)
            {
                if (i < passed.size())
                {
                    sent.add(passed.get(i));
                }
                if (i < steered.size())
                {
                    sent.add(steered.get(i));
                }
            }
            sendFromClient(sent.toArray(byte[][]::new));
            final List<byte[]> received = receive(rig.port, steered.size());
            assertEquals(steered.size(), received.size(), "frames steered");
            for (int i = 0; i < steered.size(); i++)
            {
                assertArrayEquals(steered.get(i), received.get(i), "steered frame " + i);
            }
            sendFromClient(steered.getLast());
            assertEquals(1, receive(rig.port, 1).size());
            assertEquals(steered.size() + 1, rig.port.rx(), "nothing passed reached the port");
        }
    }

    @Test
    void aFrameCompletedWithTransmitArrivesAtThePeer() throws Exception
    {
        try (Rig rig = openRig();
             DatagramSocket sink = Namespaces.runIn(cl, () -> new DatagramSocket(
                 new InetSocketAddress(cl4, 9000))))
        {
            sink.setSoTimeout(3000);
            rig.program.addService(vip4, UDP, 80);
            sendFromClient(TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 7000, 80, payload("request")));
            final PacketBatch batch = new PacketBatch(8);
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (rig.port.receive(batch) == 0 && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(1, batch.count(), "the request reached the port");
            assertEquals(AfXdpSettings.DEFAULT_HEADROOM, batch.offset(0) - batch.slotStart(0),
                "received frames start after the headroom of their slot");

            // write the reply 64 bytes further into the headroom, as an encapsulating core would
            final byte[] reply = TestFrames.udp(clMac, lbMac, -1, vip4, cl4, 80, 9000, payload("reply"));
            final long moved = batch.offset(0) - 64;
            MemorySegment.copy(reply, 0, batch.memory(), ValueLayout.JAVA_BYTE, moved, reply.length);
            batch.set(0, moved, reply.length, Verdict.TRANSMIT);
            final int freeBefore = rig.port.freeFrames();
            rig.port.complete(batch);
            assertEquals(1, rig.port.tx());

            final DatagramPacket in = new DatagramPacket(new byte[100], 100);
            sink.receive(in);
            assertFalse(netns.exec(cl, "ip", "link", "show", "dev", CL_IF).contains("xdp"),
                "copy-mode TX goes out through the skb path: the peer needs no XDP program");
            assertEquals("reply", new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));
            assertEquals(vip4, in.getAddress());

            final long completionDeadline = System.nanoTime() + WAIT_NANOS;
            while (rig.port.freeFrames() == freeBefore && System.nanoTime() < completionDeadline)
            {
                rig.port.poll();
            }
            assertEquals(freeBefore + 1, rig.port.freeFrames(), "the sent frame came back on the completion ring");
        }
    }

    @Test
    void aVethBindsInCopyModeEvenWhenZeroCopyIsAllowed() throws Exception
    {
        try (Rig rig = openRig())
        {
            assertTrue(rig.port.settings().zeroCopy());
            assertFalse(rig.port.zeroCopy(), "veth has no XSK zero-copy support: the kernel fell back to copy");
            assertEquals(1500, rig.port.mtu());
            assertEquals(lbMac, rig.port.macAddress());
        }
    }

    @Test
    void genericXdpSteersLikeNativeXdp() throws Exception
    {
        try (Rig rig = openRig(XdpProgram.MODE_SKB, UnaryOperator.identity()))
        {
            rig.program.addService(vip6, UDP, 80);
            final byte[] frame = TestFrames.udp(lbMac, clMac, -1, cl6, vip6, 1, 80, payload("generic"));
            sendFromClient(frame);
            final List<byte[]> received = receive(rig.port, 1);
            assertEquals(1, received.size());
            assertArrayEquals(frame, received.getFirst());
        }
    }

    @Test
    void aHundredFramesTransmittedInOneBatchAllArriveWithAndWithoutNeedWakeup() throws Exception
    {
        transmitHundredFrames(UnaryOperator.identity());
        transmitHundredFrames(settings -> settings.withNeedWakeup(false).withBusyPoll(true));
    }

    private void transmitHundredFrames(final UnaryOperator<AfXdpSettings> tweak) throws Exception
    {
        try (Rig rig = openRig(XdpProgram.MODE_DRIVER, tweak);
             DatagramSocket sink = Namespaces.runIn(cl, () -> new DatagramSocket(
                 new InetSocketAddress(cl4, 9000))))
        {
            sink.setSoTimeout(3000);
            rig.program.addService(vip4, UDP, 80);
            final byte[][] requests = new byte[100][];
            for (int i = 0; i < requests.length; i++)
            {
                requests[i] = TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 7000 + i, 80, payload("request"));
            }
            sendFromClient(requests);
            // gather all hundred frames into one batch, then transmit them with a single complete()
            final PacketBatch all = new PacketBatch(128);
            all.reset(rig.port.memory(), AfXdpSettings.DEFAULT_FRAME_SIZE);
            final PacketBatch step = new PacketBatch(128);
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (all.count() < requests.length && System.nanoTime() < deadline)
            {
                final int count = rig.port.receive(step);
                for (int i = 0; i < count; i++)
                {
                    all.add(step.offset(i), step.length(i));
                }
            }
            assertEquals(requests.length, all.count(), "requests received");
            for (int i = 0; i < all.count(); i++)
            {
                final byte[] reply = TestFrames.udp(clMac, lbMac, -1, vip4, cl4, 80, 9000, payload("reply " + i));
                MemorySegment.copy(reply, 0, all.memory(), ValueLayout.JAVA_BYTE, all.offset(i), reply.length);
                all.set(i, all.offset(i), reply.length, Verdict.TRANSMIT);
            }
            rig.port.complete(all);
            assertEquals(requests.length, rig.port.tx());

            final DatagramPacket in = new DatagramPacket(new byte[100], 100);
            final boolean[] seen = new boolean[requests.length];
            for (int i = 0; i < requests.length; i++)
            {
                // copy mode sends at most 32 frames per sendto: poll() must keep kicking until the ring is empty
                final long pollDeadline = System.nanoTime() + 5_000_000L;
                while (System.nanoTime() < pollDeadline)
                {
                    rig.port.poll();
                }
                sink.receive(in);
                final String text = new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII);
                seen[Integer.parseInt(text.substring("reply ".length()))] = true;
            }
            for (int i = 0; i < seen.length; i++)
            {
                assertTrue(seen[i], "reply " + i + " arrived");
            }
        }
    }

    @Test
    void aPassProgramOnThePeerLetsEverythingThroughAndDetachesOnClose() throws Exception
    {
        try (DatagramSocket server = Namespaces.runIn(lb, () -> new DatagramSocket(
                 new InetSocketAddress(lb4, 9100)));
             DatagramSocket client = Namespaces.runIn(cl, () -> new DatagramSocket()))
        {
            final XdpPassProgram pass = Namespaces.runIn(cl,
                () -> XdpPassProgram.attach(CL_IF, XdpProgram.MODE_DRIVER));
            assertTrue(netns.exec(cl, "ip", "link", "show", "dev", CL_IF).contains("xdp"));
            server.setSoTimeout(3000);
            final byte[] hello = payload("through the pass program");
            client.send(new DatagramPacket(hello, hello.length, lb4, 9100));
            final DatagramPacket in = new DatagramPacket(new byte[100], 100);
            server.receive(in);
            assertEquals(hello.length, in.getLength());
            pass.close();
            pass.close();
            assertFalse(netns.exec(cl, "ip", "link", "show", "dev", CL_IF).contains("xdp"));
        }
    }

    @Test
    void passIsCountedAsUnsupportedAndTheFrameFreed() throws Exception
    {
        try (Rig rig = openRig())
        {
            rig.program.addService(vip4, UDP, 80);
            sendFromClient(TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 1, 80, payload("pass me")));
            final PacketBatch batch = new PacketBatch(8);
            final long deadline = System.nanoTime() + WAIT_NANOS;
            while (rig.port.receive(batch) == 0 && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(1, batch.count());
            final int free = rig.port.freeFrames();
            batch.verdict(0, Verdict.PASS);
            rig.port.complete(batch);
            assertEquals(1, rig.port.passUnsupported());
            assertEquals(1, rig.port.dropped(DropReason.MEANT_FOR_HOST), "a drop the worker reports");
            assertEquals(free + 1, rig.port.freeFrames());
        }
    }

    @Test
    void closeDetachesTheProgramAndIsIdempotent() throws Exception
    {
        final Rig rig = openRig();
        assertTrue(linkShowsXdp(), "attached: ip link shows the program");
        rig.close();
        assertFalse(linkShowsXdp(), "closed: no program on the interface");
        rig.port.close();
        rig.program.close();
    }

    @Test
    void repeatedOpenAndCloseLeaksNoFileDescriptors() throws Exception
    {
        openRig().close(); // classes loaded, lazily opened JDK files opened
        final long before = openFileDescriptors();
        for (int i = 0; i < 5; i++)
        {
            openRig().close();
        }
        assertEquals(before, openFileDescriptors());
    }

    @Test
    void anInterfaceThatDoesNotExistGivesAClearError() throws Exception
    {
        final AfXdpUnavailableException e = assertThrows(AfXdpUnavailableException.class,
            () -> Namespaces.runIn(lb, () -> AfXdpPort.open(AfXdpSettings.defaults("nosuch0"))));
        assertTrue(e.getMessage().contains("nosuch0"), e.getMessage());
        assertTrue(e.getMessage().contains("errno 19"), e.getMessage());
        assertTrue(AfXdpPort.supported(), "root on Linux 6.18 can create AF_XDP sockets");
    }

    @Test
    void aSecondProgramOnAnOccupiedInterfaceIsRefusedClearly() throws Exception
    {
        try (Rig rig = openRig())
        {
            final AfXdpUnavailableException e = assertThrows(AfXdpUnavailableException.class,
                () -> Namespaces.runIn(lb, () -> XdpProgram.attach(LB_IF, XdpProgram.MODE_DRIVER)));
            assertTrue(e.getMessage().contains("errno 16"), e.getMessage());
            assertTrue(rig.program.attached());
            assertTrue(linkShowsXdp(), "the first program stays");
        }
        final AfXdpUnavailableException missing = assertThrows(AfXdpUnavailableException.class,
            () -> Namespaces.runIn(lb, () -> XdpProgram.attach("nosuch0", XdpProgram.MODE_DRIVER)));
        assertTrue(missing.getMessage().contains("nosuch0"), missing.getMessage());
    }

    @Test
    void theNextStartAfterASigkillFindsNoStaleProgram() throws Exception
    {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process child = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
            System.getProperty("java.class.path"), AttachAndWait.class.getName(), lb, LB_IF)
            .redirectErrorStream(true).start();
        try
        {
            final String line = AttachAndWait.readLine(child, 30_000);
            assertEquals(AttachAndWait.READY, line, "the child attached");
            assertTrue(linkShowsXdp(), "the child's program is attached");
        }
        finally
        {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            child.waitFor();
        }
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (linkShowsXdp() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertFalse(linkShowsXdp(), "the link died with its process");
        try (Rig rig = openRig())
        {
            assertTrue(rig.program.attached());
        }
    }

    // --- helpers

    record Rig(XdpProgram program, AfXdpPort port) implements AutoCloseable
    {
        @Override
        public void close()
        {
            port.close();
            program.close();
        }
    }

    private Rig openRig() throws Exception
    {
        return openRig(XdpProgram.MODE_DRIVER, UnaryOperator.identity());
    }

    private Rig openRig(final int mode, final UnaryOperator<AfXdpSettings> tweak) throws Exception
    {
        return Namespaces.runIn(lb, () -> openRigHere(LB_IF, mode, tweak));
    }

    static Rig openRigHere(final String ifName)
    {
        return openRigHere(ifName, XdpProgram.MODE_DRIVER, UnaryOperator.identity());
    }

    /** Attaches the program and opens a port on queue 0 (defaults, 1024 frames), in the current namespace. */
    static Rig openRigHere(final String ifName, final int mode, final UnaryOperator<AfXdpSettings> tweak)
    {
        final XdpProgram program = XdpProgram.attach(ifName, mode);
        try
        {
            return new Rig(program, AfXdpPort.open(tweak.apply(AfXdpSettings.defaults(ifName).withProgram(program)
                .withFrames(1024, 512))));
        }
        catch (final RuntimeException e)
        {
            program.close();
            throw e;
        }
    }

    private void sendFromClient(final byte[]... frames) throws Exception
    {
        Namespaces.runIn(cl, () ->
        {
            TestFrames.sendRaw(CL_IF, frames);
            return null;
        });
    }

    /** Receives until {@code expected} frames arrived or a few seconds passed; drops every frame it copies out. */
    private static List<byte[]> receive(final AfXdpPort port, final int expected)
    {
        final List<byte[]> frames = new ArrayList<>();
        final PacketBatch batch = new PacketBatch(64);
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (frames.size() < expected && System.nanoTime() < deadline)
        {
            final int count = port.receive(batch);
            for (int i = 0; i < count; i++)
            {
                frames.add(batch.memory().asSlice(batch.offset(i), batch.length(i)).toArray(ValueLayout.JAVA_BYTE));
                batch.verdict(i, Verdict.DROP);
            }
            port.complete(batch);
            port.poll();
            if (count == 0)
            {
                Thread.onSpinWait();
            }
        }
        return frames;
    }

    private boolean linkShowsXdp()
    {
        return netns.exec(lb, "ip", "link", "show", "dev", LB_IF).contains("xdp");
    }

    private static long openFileDescriptors() throws Exception
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    private static Service service(final int id, final InetAddress vip, final int protocol, final int port)
    {
        return new Service(id, "s" + id, vip, port, protocol, Encapsulation.IPIP, 65537, List.of());
    }

    /** The frame from the client to the balancer's MAC. */
    private byte[] frame(final FrameBuilder.Builder builder)
    {
        return builder.macs(clMac, lbMac).build();
    }

    private static byte[] payload(final String text)
    {
        return Arrays.copyOf(text.getBytes(StandardCharsets.US_ASCII), text.length());
    }

    private static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static final class TestFramesText
    {
        static String mac(final long mac)
        {
            final StringBuilder text = new StringBuilder();
            for (int shift = 40; shift >= 0; shift -= 8)
            {
                text.append(String.format("%02x", (mac >>> shift) & 0xFF)).append(shift > 0 ? ":" : "");
            }
            return text.toString();
        }
    }
}
