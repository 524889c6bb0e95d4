package io.fulcrum.dataplane.decap;

import io.fulcrum.dataplane.sys.Bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.forward.EncapsulationSettings;
import io.fulcrum.dataplane.forward.Encapsulator;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.ParseResult;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.afxdp.XdpProgram;
import io.fulcrum.dataplane.sys.NativeException;
import io.fulcrum.dataplane.sys.NetDevices;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.testing.Netns;
import io.fulcrum.dataplane.testing.SystemRequirements;

/**
 * A balancer-side namespace ({@value #LB_IF}) that sends what Fulcrum's {@link Encapsulator} writes, and a backend
 * namespace ({@value #BE_IF}) whose interface runs the decapsulation program and whose loopback holds the VIPs. The
 * backend routes the client prefixes back through the balancer's end, as a DSR backend routes to its clients.
 */
class XdpDecapProgramTest
{
    private static final String LB_IF = "fdl";
    private static final String BE_IF = "fdb";
    private static final int GUE_PORT = EncapsulationSettings.DEFAULT_GUE_PORT;
    private static final int UDP_PORT = 7777;
    private static final int TCP_PORT = 8080;
    private static final long WAIT_MILLIS = 3000;

    private static final InetAddress BACKEND4 = address("10.66.1.2");
    private static final InetAddress BACKEND6 = address("fd66:1::2");
    private static final InetAddress VIP4 = address("10.66.0.100");
    private static final InetAddress VIP6 = address("fd66::100");
    private static final InetAddress CLIENT4 = address("10.66.2.7");
    private static final InetAddress CLIENT6 = address("fd66:2::7");

    private Netns netns;
    private String lb;
    private String be;
    private long lbMac;
    private long beMac;

    @BeforeEach
    void createNamespaces() throws Exception
    {
        SystemRequirements.requireRoot();
        netns = new Netns();
        lb = netns.namespace("lb");
        be = netns.namespace("be");
        netns.veth(lb, LB_IF, null, be, BE_IF, null);
        netns.exec(lb, "ip", "address", "add", "10.66.1.1/24", "dev", LB_IF);
        netns.exec(be, "ip", "address", "add", "10.66.1.2/24", "dev", BE_IF);
        netns.exec(lb, "ip", "address", "add", "fd66:1::1/64", "dev", LB_IF, "nodad");
        netns.exec(be, "ip", "address", "add", "fd66:1::2/64", "dev", BE_IF, "nodad");
        netns.exec(be, "ip", "address", "add", "10.66.0.100/32", "dev", "lo");
        netns.exec(be, "ip", "address", "add", "fd66::100/128", "dev", "lo");
        netns.exec(be, "ip", "route", "add", "10.66.2.0/24", "via", "10.66.1.1");
        netns.exec(be, "ip", "-6", "route", "add", "fd66:2::/64", "via", "fd66:1::1");
        lbMac = Namespaces.runIn(lb, () -> NetDevices.macAddress(LB_IF));
        beMac = Namespaces.runIn(be, () -> NetDevices.macAddress(BE_IF));
    }

    @AfterEach
    void removeNamespaces()
    {
        if (netns != null)
        {
            netns.close();
        }
    }

    /** One way Fulcrum sends a client packet to this backend. */
    record Case(String name, Encapsulation encapsulation, InetAddress backend, InetAddress client, InetAddress vip)
    {
    }

    private static List<Case> everyEncapsulation()
    {
        return List.of(
            new Case("IPv4 in IPv4", Encapsulation.IPIP, BACKEND4, CLIENT4, VIP4),
            new Case("IPv6 in IPv6", Encapsulation.IPIP, BACKEND6, CLIENT6, VIP6),
            new Case("IPv6 in IPv4", Encapsulation.IPIP, BACKEND4, CLIENT6, VIP6),
            new Case("IPv4 in IPv6", Encapsulation.IPIP, BACKEND6, CLIENT4, VIP4),
            new Case("GUE IPv4 in IPv4", Encapsulation.GUE, BACKEND4, CLIENT4, VIP4),
            new Case("GUE IPv6 in IPv6", Encapsulation.GUE, BACKEND6, CLIENT6, VIP6),
            new Case("GUE IPv6 in IPv4", Encapsulation.GUE, BACKEND4, CLIENT6, VIP6),
            new Case("GUE IPv4 in IPv6", Encapsulation.GUE, BACKEND6, CLIENT4, VIP4));
    }

    @Test
    void programPassesTheVerifier()
    {
        SystemRequirements.requireRoot();
        try (XdpDecapProgram program = XdpDecapProgram.load(GUE_PORT))
        {
            assertTrue(program.instructionCount() > 20);
            assertFalse(program.attached());
            assertEquals(0, program.decapsulated());
        }
    }

    @Test
    void localAddressesAddedAndRemovedShowInTheKernelMaps()
    {
        SystemRequirements.requireRoot();
        try (XdpDecapProgram program = XdpDecapProgram.load(GUE_PORT))
        {
            program.addLocalAddress(BACKEND4);
            program.addLocalAddress(BACKEND6);
            assertTrue(program.decapsulatesFor(BACKEND4));
            assertTrue(program.decapsulatesFor(BACKEND6));
            assertTrue(program.removeLocalAddress(BACKEND4));
            assertFalse(program.decapsulatesFor(BACKEND4));
            assertFalse(program.removeLocalAddress(BACKEND4));
            assertTrue(program.decapsulatesFor(BACKEND6));
        }
    }

    @Test
    void possibleCpusAreReadFromTheKernelCpuList()
    {
        assertEquals(0, Bpf.highestCpu("0\n"));
        assertEquals(1, Bpf.highestCpu("0-1\n"));
        assertEquals(11, Bpf.highestCpu("0-3,8-11"));
        assertTrue(Bpf.possibleCpus() >= Runtime.getRuntime().availableProcessors());
    }

    @Test
    void aMissingInterfaceIsRefused()
    {
        SystemRequirements.requireRoot();
        final NativeException refused = assertThrows(NativeException.class,
            () -> XdpDecapProgram.attach("nosuchif0", XdpProgram.MODE_AUTO, GUE_PORT));
        assertEquals(19, refused.errno(), "ENODEV: " + refused.getMessage());
    }

    @Test
    void nativeXdpDeliversEveryEncapsulationToTheVipFromTheClient() throws Exception
    {
        deliversEveryEncapsulation(XdpProgram.MODE_DRIVER);
    }

    @Test
    void genericXdpDeliversEveryEncapsulationToTheVipFromTheClient() throws Exception
    {
        deliversEveryEncapsulation(XdpProgram.MODE_SKB);
    }

    private void deliversEveryEncapsulation(final int mode) throws Exception
    {
        try (XdpDecapProgram program = attach(mode);
             DatagramSocket socket4 = Namespaces.runIn(be, () -> new DatagramSocket(
                 new InetSocketAddress(VIP4, UDP_PORT)));
             DatagramSocket socket6 = Namespaces.runIn(be, () -> new DatagramSocket(
                 new InetSocketAddress(VIP6, UDP_PORT)));
             PacketSocket balancer = Namespaces.runIn(lb, () -> PacketSocket.open(LB_IF)))
        {
            socket4.setSoTimeout((int)WAIT_MILLIS);
            socket6.setSoTimeout((int)WAIT_MILLIS);
            int count = 0;
            for (final Case c : everyEncapsulation())
            {
                final int clientPort = 40000 + count;
                balancer.send(encapsulate(c, udp(c.client(), c.vip(), clientPort, c.name()), GUE_PORT));
                final DatagramSocket socket = c.vip() == VIP4 ? socket4 : socket6;
                final DatagramPacket in = new DatagramPacket(new byte[200], 200);
                try
                {
                    socket.receive(in);
                }
                catch (final SocketTimeoutException e)
                {
                    throw new AssertionError(c.name() + ": nothing reached the VIP", e);
                }
                assertEquals(c.name(), new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));
                assertEquals(new InetSocketAddress(c.client(), clientPort), in.getSocketAddress(),
                    c.name() + ": the client is the source");
                count++;
                assertEquals(count, program.decapsulated(), c.name());
            }
        }
    }

    @Test
    void theKernelSeesExactlyTheInnerPacketBehindTheOriginalMacAddresses() throws Exception
    {
        try (XdpDecapProgram program = attach(XdpProgram.MODE_DRIVER);
             PacketSocket balancer = Namespaces.runIn(lb, () -> PacketSocket.open(LB_IF));
             PacketSocket backend = Namespaces.runIn(be, () -> PacketSocket.open(BE_IF)))
        {
            int i = 0;
            for (final Case c : everyEncapsulation())
            {
                final String marker = "[" + i++ + "] " + c.name();
                final byte[] client = udp(c.client(), c.vip(), 5000, marker);
                balancer.send(encapsulate(c, client, GUE_PORT));
                final byte[] seen = backend.next(frame -> contains(frame, marker), WAIT_MILLIS);
                assertNotNull(seen, marker);
                assertArrayEquals(decapsulated(client), seen, marker);
            }
            assertEquals(everyEncapsulation().size(), program.decapsulated());
        }
    }

    @Test
    void plainTrafficAndTunnelsToForeignAddressesPassUntouched() throws Exception
    {
        try (XdpDecapProgram program = attach(XdpProgram.MODE_DRIVER);
             PacketSocket balancer = Namespaces.runIn(lb, () -> PacketSocket.open(LB_IF));
             PacketSocket backend = Namespaces.runIn(be, () -> PacketSocket.open(BE_IF)))
        {
            final Case foreign4 = new Case("IPIP to a foreign address", Encapsulation.IPIP, address("10.66.1.99"),
                CLIENT4, VIP4);
            final Case foreign6 = new Case("GUE to a foreign address", Encapsulation.GUE, address("fd66:1::99"),
                CLIENT6, VIP6);
            final Case otherPort = new Case("UDP to another port", Encapsulation.GUE, BACKEND4, CLIENT4, VIP4);
            final byte[][] frames = {
                macs(FrameBuilder.ipv4("10.66.1.1", "10.66.1.2").udp(5000, GUE_PORT).payload(bytes("plain, not GUE"))
                    .build()),
                macs(FrameBuilder.ipv6("fd66:1::1", "fd66:1::2").udp(5000, UDP_PORT).payload(bytes("plain udp"))
                    .build()),
                encapsulate(foreign4, udp(CLIENT4, VIP4, 5000, foreign4.name()), GUE_PORT),
                encapsulate(foreign6, udp(CLIENT6, VIP6, 5000, foreign6.name()), GUE_PORT),
                encapsulate(otherPort, udp(CLIENT4, VIP4, 5000, otherPort.name()), GUE_PORT + 1),
            };
            final String[] markers = {"plain, not GUE", "plain udp", foreign4.name(), foreign6.name(),
                otherPort.name()};
            for (int i = 0; i < frames.length; i++)
            {
                balancer.send(frames[i]);
                final String marker = markers[i];
                final byte[] seen = backend.next(frame -> contains(frame, marker), WAIT_MILLIS);
                assertArrayEquals(frames[i], seen, marker);
            }
            assertEquals(0, program.decapsulated());
        }
    }

    @Test
    void aRemovedLocalAddressIsNoLongerDecapsulated() throws Exception
    {
        try (XdpDecapProgram program = attach(XdpProgram.MODE_DRIVER);
             PacketSocket balancer = Namespaces.runIn(lb, () -> PacketSocket.open(LB_IF));
             PacketSocket backend = Namespaces.runIn(be, () -> PacketSocket.open(BE_IF)))
        {
            final Case c = new Case("IPv4 in IPv4", Encapsulation.IPIP, BACKEND4, CLIENT4, VIP4);
            final byte[] client = udp(CLIENT4, VIP4, 5000, "before removal");
            balancer.send(encapsulate(c, client, GUE_PORT));
            assertArrayEquals(decapsulated(client), backend.next(frame -> contains(frame, "before removal"),
                WAIT_MILLIS));

            assertTrue(program.removeLocalAddress(BACKEND4));
            final byte[] tunnelled = encapsulate(c, udp(CLIENT4, VIP4, 5000, "after removal"), GUE_PORT);
            balancer.send(tunnelled);
            assertArrayEquals(tunnelled, backend.next(frame -> contains(frame, "after removal"), WAIT_MILLIS));
            assertEquals(1, program.decapsulated());
        }
    }

    @Test
    void anEncapsulatedSynIsAnsweredByTheBackendStraightToTheClient() throws Exception
    {
        try (XdpDecapProgram program = attach(XdpProgram.MODE_DRIVER);
             ServerSocket server4 = Namespaces.runIn(be, () -> new ServerSocket(TCP_PORT, 8, VIP4));
             ServerSocket server6 = Namespaces.runIn(be, () -> new ServerSocket(TCP_PORT, 8, VIP6));
             PacketSocket balancer = Namespaces.runIn(lb, () -> PacketSocket.open(LB_IF)))
        {
            final Case ipip = new Case("IPv4 in IPv4", Encapsulation.IPIP, BACKEND4, CLIENT4, VIP4);
            final Case gue = new Case("GUE IPv6 in IPv6", Encapsulation.GUE, BACKEND6, CLIENT6, VIP6);
            for (final Case c : List.of(ipip, gue))
            {
                final FrameBuilder.Builder syn = c.vip() == VIP4
                    ? FrameBuilder.ipv4(CLIENT4.getHostAddress(), VIP4.getHostAddress())
                    : FrameBuilder.ipv6(CLIENT6.getHostAddress(), VIP6.getHostAddress());
                balancer.send(encapsulate(c, syn.tcp(40123, TCP_PORT, Tcp.SYN).build(), GUE_PORT));
                final byte[] synAck = balancer.next(frame -> isSynAckFromVip(frame, c), WAIT_MILLIS);
                assertNotNull(synAck, c.name() + ": a SYN-ACK from the VIP to the client left the backend");
                assertEquals(lbMac, macAt(synAck, 0), c.name() + ": sent to the client's router, not tunnelled back");
            }
            assertEquals(2, program.decapsulated());
        }
    }

    /** The program on the backend's interface with the backend's own addresses registered. */
    private XdpDecapProgram attach(final int mode) throws Exception
    {
        final XdpDecapProgram program = Namespaces.runIn(be, () -> XdpDecapProgram.attach(BE_IF, mode,
            GUE_PORT));
        program.addLocalAddress(BACKEND4);
        program.addLocalAddress(BACKEND6);
        assertTrue(netns.exec(be, "ip", "link", "show", "dev", BE_IF).contains("xdp"));
        return program;
    }

    /** A client's UDP datagram as the balancer received it, with {@code text} as the payload. */
    private static byte[] udp(final InetAddress client, final InetAddress vip, final int clientPort, final String text)
    {
        final FrameBuilder.Builder builder = vip.getAddress().length == 4
            ? FrameBuilder.ipv4(client.getHostAddress(), vip.getHostAddress())
            : FrameBuilder.ipv6(client.getHostAddress(), vip.getHostAddress());
        return builder.udp(clientPort, UDP_PORT).payload(bytes(text)).build();
    }

    /** What Fulcrum sends for {@code clientFrame}: the real {@link Encapsulator}, from the balancer's MAC. */
    private byte[] encapsulate(final Case c, final byte[] clientFrame, final int guePort)
    {
        final int headroom = 256;
        final MemorySegment memory = MemorySegment.ofArray(new byte[headroom + clientFrame.length]);
        MemorySegment.copy(clientFrame, 0, memory, ValueLayout.JAVA_BYTE, headroom, clientFrame.length);
        final PacketParser parser = new PacketParser();
        assertEquals(ParseResult.IP, parser.parse(memory, headroom, clientFrame.length), c.name());
        final EncapsulationSettings defaults = EncapsulationSettings.defaults();
        final Encapsulator encapsulator = new Encapsulator(new EncapsulationSettings(defaults.ipv4SourcePrefix(),
            defaults.ipv4SourcePrefixLength(), defaults.ipv6SourcePrefixHi(), defaults.ipv6SourcePrefixLo(),
            defaults.ipv6SourcePrefixLength(), guePort));
        final long frame = encapsulator.encapsulate(memory, 0, parser, c.encapsulation(),
            IpAddresses.hi(c.backend()), IpAddresses.lo(c.backend()), beMac, lbMac, 0x1234_5678);
        assertTrue(frame >= 0, c.name());
        return memory.asSlice(frame, encapsulator.lastLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * What the backend's stack should receive for {@code clientFrame}: the client's IP packet behind the outer
     * frame's MAC addresses. A short client frame's Ethernet padding was dropped by the balancer, and stays dropped.
     */
    private byte[] decapsulated(final byte[] clientFrame)
    {
        final PacketParser parsed = new PacketParser();
        assertEquals(ParseResult.IP, parsed.parse(MemorySegment.ofArray(clientFrame), 0, clientFrame.length));
        return macs(Arrays.copyOf(clientFrame, parsed.l3Offset() + parsed.ipPacketLength()));
    }

    /** {@code frame} from the balancer's MAC to the backend's. */
    private byte[] macs(final byte[] frame)
    {
        ByteBuffer.wrap(frame).putShort(0, (short)(beMac >>> 32)).putInt(2, (int)beMac)
            .putShort(6, (short)(lbMac >>> 32)).putInt(8, (int)lbMac);
        return frame;
    }

    private static boolean isSynAckFromVip(final byte[] frame, final Case c)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        final boolean v4 = c.vip().getAddress().length == 4;
        if (frame.length < 14 + (v4 ? 20 : 40) + 20 || (b.getShort(12) & 0xFFFF) != (v4 ? 0x0800 : 0x86DD))
        {
            return false;
        }
        final int protocol = v4 ? frame[14 + 9] : frame[14 + 6];
        final int sourceAt = v4 ? 14 + 12 : 14 + 8;
        final int length = v4 ? 4 : 16;
        final int tcp = 14 + (v4 ? (frame[14] & 0xF) * 4 : 40);
        return protocol == 6
            && Arrays.equals(frame, sourceAt, sourceAt + length, c.vip().getAddress(), 0, length)
            && Arrays.equals(frame, sourceAt + length, sourceAt + 2 * length, c.client().getAddress(), 0, length)
            && (frame[tcp + 13] & 0x12) == 0x12;
    }

    private static long macAt(final byte[] frame, final int offset)
    {
        return ByteBuffer.wrap(frame).getLong(offset) >>> 16;
    }

    private static boolean contains(final byte[] frame, final String text)
    {
        final byte[] needle = bytes(text);
        outer:
        for (int i = 0; i + needle.length <= frame.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (frame[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
