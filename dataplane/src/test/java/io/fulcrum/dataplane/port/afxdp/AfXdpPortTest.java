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

import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Verdict;
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
    void everyFrameToAVipReachesThePortWithIdenticalBytes() throws Exception
    {
        try (Rig rig = openRig())
        {
            rig.program.addVip(vip4);
            rig.program.addVip(vip6);
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
            rig.program.addVip(vip4);
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
    void vipsAddedAndRemovedAtRunTimeChangeWhatIsSteered() throws Exception
    {
        try (Rig rig = openRig())
        {
            rig.program.addVip(otherVip4);
            final byte[] toVip = TestFrames.udp(lbMac, clMac, -1, cl4, vip4, 1, 80, payload("vip"));
            final byte[] marker = TestFrames.udp(lbMac, clMac, -1, cl4, otherVip4, 2, 80, payload("marker"));

            sendFromClient(toVip, marker);
            List<byte[]> received = receive(rig.port, 1);
            assertArrayEquals(marker, received.getFirst(), "not yet a VIP: passed to the kernel");
            assertEquals(1, rig.port.rx());

            rig.program.addVip(vip4);
            sendFromClient(toVip, marker);
            received = receive(rig.port, 2);
            assertEquals(2, received.size());
            assertArrayEquals(toVip, received.get(0), "added at run time: steered");

            assertTrue(rig.program.removeVip(vip4));
            sendFromClient(toVip, marker);
            received = receive(rig.port, 1);
            assertArrayEquals(marker, received.getFirst(), "removed at run time: passed again");
            assertEquals(4, rig.port.rx());
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
            rig.program.addVip(vip4);
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
            rig.program.addVip(vip6);
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
            rig.program.addVip(vip4);
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
            rig.program.addVip(vip4);
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
