package io.fulcrum.dataplane.port.afxdp;

import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_B;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_DW;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_FUNC_MAP_LOOKUP_ELEM;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_FUNC_REDIRECT_MAP;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_H;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JEQ;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JGT;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JLT;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JNE;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_W;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R0;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R1;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R10;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R2;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R3;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R4;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R5;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R6;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R7;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R8;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R9;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.packet.Ethernet;
import io.fulcrum.dataplane.packet.Icmp;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.NativeException;

/**
 * The XDP program that steers the services' traffic into Fulcrum's AF_XDP sockets and leaves everything else to the
 * kernel, as Katran passes what it does not balance: a frame redirected to a socket can never reach the host stack,
 * so only what the data plane forwards may go there.
 *
 * <p>It parses Ethernet (with at most one 802.1Q tag, as the data plane's parser does) and looks keys up in the hash
 * map {@code services4} (8-byte key: IPv4 address, protocol, 0, port in network order) or {@code services6} (20-byte
 * key: IPv6 address, protocol, 0, port). For every service the map holds three keys: (VIP, 0, 0) says the address is
 * a VIP, (VIP, protocol, 0) that a service has this protocol there, (VIP, protocol, port) the service itself. A frame
 * to a VIP is redirected, to the socket registered in the XSKMAP {@code xsks} at its rx_queue_index
 * ({@code bpf_redirect_map} with XDP_PASS as the fallback), when it is
 * <ul>
 * <li>TCP or UDP to a service's port;</li>
 * <li>an IPv4 or IPv6 fragment of a protocol a service of the VIP has (only the first fragment carries ports; the
 * data plane sends all of them where the first goes);</li>
 * <li>an ICMP or ICMPv6 error (destination unreachable, time exceeded, parameter problem, packet too big) quoting a
 * packet a service sent from the VIP: the data plane hands it to the backend that owns the flow;</li>
 * <li>IPv6 with a hop-by-hop, routing or destination options header, which the data plane walks.</li>
 * </ul>
 * Every other frame gets XDP_PASS: ARP, VRRP, health checks, management, and for a VIP a ping, neighbour discovery
 * or a port no service has, which the host answers as it would without Fulcrum (and as it does with AF_PACKET).
 *
 * <p>Attached through a BPF link ({@link LoadedXdpProgram}). Not thread-safe; updates are single map writes and may
 * run while traffic flows.
 */
public final class XdpProgram extends LoadedXdpProgram
{
    public static final int MAX_QUEUES = 64;
    /** Keys per address family: a service needs up to three (its VIP's and its protocol's are shared). */
    public static final int MAX_KEYS = 3 * 4096;

    private static final int ETH_P_8021Q_LOADED = loaded16(Ethernet.TYPE_VLAN);
    /** The 802.1Q tag: TCI, then the EtherType of what it carries. */
    private static final int VLAN_TAG_LENGTH = Ethernet.VLAN_HEADER_LENGTH - Ethernet.HEADER_LENGTH;
    private static final int VLAN_TAG_ETHER_TYPE = Ethernet.VLAN_ETHER_TYPE - Ethernet.HEADER_LENGTH;
    /** MF and the fragment offset, and the fragment offset alone, as a BPF_H load of frag_off reads them. */
    private static final int IPV4_FRAGMENT_LOADED = loaded16(Ipv4.FLAG_MORE_FRAGMENTS | Ipv4.FRAGMENT_OFFSET_MASK);
    private static final int IPV4_OFFSET_LOADED = loaded16(Ipv4.FRAGMENT_OFFSET_MASK);
    /** Both ports, the first four bytes of TCP and UDP alike. */
    private static final int PORTS_LENGTH = 4;

    /* The lookup keys, as laid out in the maps and on the stack below the frame pointer. */
    private static final int KEY_PROTOCOL = 0;
    private static final int KEY_PORT = 2;
    private static final int KEY4_LENGTH = 4 + 4;
    private static final int KEY6_LENGTH = 16 + 4;
    private static final int STACK_KEY4 = -8;
    private static final int STACK_KEY6 = -24;

    private final int services4;
    private final int services6;
    private final int xsks;
    /** The services steered, and how many of them need each key in the maps. */
    private final Set<Key> steered = new HashSet<>();
    private final Map<Key, Integer> keyUses = new HashMap<>();

    private XdpProgram(final int[] maps)
    {
        super("fulcrum_steer", steering(maps[0], maps[1], maps[2]), maps);
        this.services4 = maps[0];
        this.services6 = maps[1];
        this.xsks = maps[2];
    }

    /**
     * Creates the maps and loads the program through the verifier, without attaching it anywhere. Throws
     * {@link AfXdpUnavailableException} when the kernel or the privileges refuse a bpf(2) call, and
     * {@link io.fulcrum.dataplane.sys.BpfVerifierException} (with the verifier's log) when the verifier refuses it.
     */
    public static XdpProgram load()
    {
        try
        {
            return loadOrThrow();
        }
        catch (final NativeException e)
        {
            throw new AfXdpUnavailableException("XDP program: " + e.getMessage(), e.errno(), e);
        }
    }

    private static XdpProgram loadOrThrow()
    {
        return new XdpProgram(createMaps(
            new MapDefinition(Bpf.BPF_MAP_TYPE_HASH, KEY4_LENGTH, 4, MAX_KEYS, "services4"),
            new MapDefinition(Bpf.BPF_MAP_TYPE_HASH, KEY6_LENGTH, 4, MAX_KEYS, "services6"),
            new MapDefinition(Bpf.BPF_MAP_TYPE_XSKMAP, 4, 4, MAX_QUEUES, "xsks")));
    }

    /**
     * Loads the program and attaches it to {@code ifName} (in the calling thread's network namespace) in
     * {@code mode} (MODE_AUTO, MODE_SKB, MODE_DRIVER); {@link #close()} detaches it again. Throws
     * {@link AfXdpUnavailableException} when the interface does not exist, the driver refuses the mode, or another
     * program is attached already (EBUSY).
     */
    public static XdpProgram attach(final String ifName, final int mode)
    {
        final XdpProgram loaded = load();
        try
        {
            loaded.attachTo(ifName, mode);
            return loaded;
        }
        catch (final NativeException e)
        {
            throw new AfXdpUnavailableException("XDP program on " + ifName + ": " + e.getMessage(), e.errno(), e);
        }
    }

    /**
     * The steering program: see the class comment. Registers: r6 = ctx, r7 = the header being read (moves forward),
     * r8 = data_end, r9 = the protocol of the key being built; r1-r5 are scratch (a helper call clobbers them).
     */
    static BpfAssembler steering(final int services4, final int services6, final int xsks)
    {
        final BpfAssembler code = new BpfAssembler()
            .movReg(R6, R1)
            .ldx(BPF_W, R7, R1, Bpf.XDP_MD_DATA)
            .ldx(BPF_W, R8, R1, Bpf.XDP_MD_DATA_END)
            .movReg(R4, R7).addImm(R4, Ethernet.HEADER_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_H, R5, R7, Ethernet.ETHER_TYPE)
            .addImm(R7, Ethernet.HEADER_LENGTH)
            .jumpImm(BPF_JNE, R5, ETH_P_8021Q_LOADED, "l3")
            .movReg(R4, R7).addImm(R4, VLAN_TAG_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_H, R5, R7, VLAN_TAG_ETHER_TYPE)
            .addImm(R7, VLAN_TAG_LENGTH)
            .label("l3")
            .jumpImm(BPF_JEQ, R5, ETH_P_IP_LOADED, "ipv4")
            .jumpImm(BPF_JEQ, R5, ETH_P_IPV6_LOADED, "ipv6")
            .jump("pass");
        ipv4(code, services4);
        ipv6(code, services6);
        return code
            .label("redirect")
            .ldx(BPF_W, R2, R6, Bpf.XDP_MD_RX_QUEUE_INDEX)
            .loadMapFd(R1, xsks)
            .movImm(R3, Bpf.XDP_PASS) // flags: the action when no socket is registered for this queue
            .call(BPF_FUNC_REDIRECT_MAP)
            .exit()

            .label("pass")
            .movImm(R0, Bpf.XDP_PASS)
            .exit();
    }

    private static void ipv4(final BpfAssembler code, final int services4)
    {
        final int protocol = STACK_KEY4 + 4 + KEY_PROTOCOL;
        final int port = STACK_KEY4 + 4 + KEY_PORT;
        code.label("ipv4")
            .movReg(R4, R7).addImm(R4, Ipv4.MIN_HEADER_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_W, R5, R7, Ipv4.DESTINATION).stx(BPF_W, R10, STACK_KEY4, R5)
            .st(BPF_W, R10, STACK_KEY4 + 4, 0)
            .loadMapFd(R1, services4).movReg(R2, R10).addImm(R2, STACK_KEY4).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass") // no VIP: the host's own traffic
            .ldx(BPF_B, R9, R7, Ipv4.PROTOCOL)
            .ldx(BPF_H, R5, R7, Ipv4.FLAGS_FRAGMENT_OFFSET).andImm(R5, IPV4_FRAGMENT_LOADED)
            .jumpImm(BPF_JNE, R5, 0, "protocol4")
            .ldx(BPF_B, R4, R7, 0).andImm(R4, 0x0F).lshImm(R4, 2) // IHL: the header with its options
            .jumpImm(BPF_JLT, R4, Ipv4.MIN_HEADER_LENGTH, "pass")
            .addReg(R7, R4)
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_TCP, "ports4")
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_UDP, "ports4")
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_ICMP, "icmp4")
            .jump("pass")

            .label("ports4")
            .movReg(R4, R7).addImm(R4, PORTS_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_H, R5, R7, Tcp.DESTINATION_PORT)
            .stx(BPF_H, R10, port, R5)
            .label("protocol4")
            .stx(BPF_B, R10, protocol, R9)
            .label("lookup4")
            .loadMapFd(R1, services4).movReg(R2, R10).addImm(R2, STACK_KEY4).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JNE, R0, 0, "redirect")
            .jump("pass")

            // An error quotes the IPv4 header and at least 8 bytes of what a service sent: key on its source.
            .label("icmp4")
            .movReg(R4, R7).addImm(R4, Icmp.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_B, R5, R7, Icmp.TYPE)
            .jumpImm(BPF_JEQ, R5, Icmp.V4_DESTINATION_UNREACHABLE, "error4")
            .jumpImm(BPF_JEQ, R5, Icmp.V4_TIME_EXCEEDED, "error4")
            .jumpImm(BPF_JNE, R5, Icmp.V4_PARAMETER_PROBLEM, "pass") // echo and the like: the host answers
            .label("error4")
            .addImm(R7, Icmp.HEADER_LENGTH)
            .ldx(BPF_B, R4, R7, 0)
            .movReg(R5, R4).rshImm(R5, 4).jumpImm(BPF_JNE, R5, 4, "pass")
            .andImm(R4, 0x0F).lshImm(R4, 2).jumpImm(BPF_JLT, R4, Ipv4.MIN_HEADER_LENGTH, "pass")
            .ldx(BPF_H, R5, R7, Ipv4.FLAGS_FRAGMENT_OFFSET).andImm(R5, IPV4_OFFSET_LOADED)
            .jumpImm(BPF_JNE, R5, 0, "pass") // a later fragment carries no ports
            .ldx(BPF_B, R9, R7, Ipv4.PROTOCOL)
            .ldx(BPF_W, R5, R7, Ipv4.SOURCE).stx(BPF_W, R10, STACK_KEY4, R5)
            .addReg(R7, R4)
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_TCP, "quoted4")
            .jumpImm(BPF_JNE, R9, Ipv4.PROTOCOL_UDP, "pass")
            .label("quoted4")
            .movReg(R4, R7).addImm(R4, PORTS_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_H, R5, R7, Tcp.SOURCE_PORT)
            .stx(BPF_H, R10, port, R5)
            .stx(BPF_B, R10, protocol, R9)
            .jump("lookup4");
    }

    private static void ipv6(final BpfAssembler code, final int services6)
    {
        final int protocol = STACK_KEY6 + 16 + KEY_PROTOCOL;
        final int port = STACK_KEY6 + 16 + KEY_PORT;
        code.label("ipv6")
            .movReg(R4, R7).addImm(R4, Ipv6.HEADER_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_DW, R5, R7, Ipv6.DESTINATION).stx(BPF_DW, R10, STACK_KEY6, R5)
            .ldx(BPF_DW, R5, R7, Ipv6.DESTINATION + 8).stx(BPF_DW, R10, STACK_KEY6 + 8, R5)
            .st(BPF_W, R10, STACK_KEY6 + 16, 0)
            .loadMapFd(R1, services6).movReg(R2, R10).addImm(R2, STACK_KEY6).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass") // no VIP: the host's own traffic
            .ldx(BPF_B, R9, R7, Ipv6.NEXT_HEADER)
            .addImm(R7, Ipv6.HEADER_LENGTH)
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_TCP, "ports6")
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_UDP, "ports6")
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_ICMPV6, "icmp6")
            .jumpImm(BPF_JEQ, R9, Ipv6.FRAGMENT, "fragment6")
            .jumpImm(BPF_JEQ, R9, Ipv6.HOP_BY_HOP, "redirect")
            .jumpImm(BPF_JEQ, R9, Ipv6.ROUTING, "redirect")
            .jumpImm(BPF_JEQ, R9, Ipv6.DESTINATION_OPTIONS, "redirect")
            .jump("pass")

            .label("ports6")
            .movReg(R4, R7).addImm(R4, PORTS_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_H, R5, R7, Tcp.DESTINATION_PORT)
            .stx(BPF_H, R10, port, R5)
            .label("protocol6")
            .stx(BPF_B, R10, protocol, R9)
            .label("lookup6")
            .loadMapFd(R1, services6).movReg(R2, R10).addImm(R2, STACK_KEY6).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JNE, R0, 0, "redirect")
            .jump("pass")

            .label("fragment6")
            .movReg(R4, R7).addImm(R4, Ipv6.FRAGMENT_HEADER_LENGTH).jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_B, R9, R7, Ipv6.EXTENSION_NEXT_HEADER)
            .jump("protocol6")

            // An error quotes as much of what a service sent as fits: key on the quoted header's source.
            .label("icmp6")
            .movReg(R4, R7).addImm(R4, Icmp.HEADER_LENGTH + Ipv6.HEADER_LENGTH + PORTS_LENGTH)
            .jumpReg(BPF_JGT, R4, R8, "pass")
            .ldx(BPF_B, R5, R7, Icmp.TYPE)
            .jumpImm(BPF_JLT, R5, Icmp.V6_DESTINATION_UNREACHABLE, "pass")
            .jumpImm(BPF_JGT, R5, Icmp.V6_PARAMETER_PROBLEM, "pass") // echo, neighbour discovery: the host's
            .addImm(R7, Icmp.HEADER_LENGTH)
            .ldx(BPF_B, R5, R7, 0).rshImm(R5, 4).jumpImm(BPF_JNE, R5, 6, "pass")
            .ldx(BPF_B, R9, R7, Ipv6.NEXT_HEADER)
            .ldx(BPF_DW, R5, R7, Ipv6.SOURCE).stx(BPF_DW, R10, STACK_KEY6, R5)
            .ldx(BPF_DW, R5, R7, Ipv6.SOURCE + 8).stx(BPF_DW, R10, STACK_KEY6 + 8, R5)
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_TCP, "quoted6")
            .jumpImm(BPF_JEQ, R9, Ipv4.PROTOCOL_UDP, "quoted6")
            .jumpImm(BPF_JEQ, R9, Ipv6.HOP_BY_HOP, "redirect") // quoted extension headers: the data plane walks them
            .jumpImm(BPF_JEQ, R9, Ipv6.ROUTING, "redirect")
            .jumpImm(BPF_JEQ, R9, Ipv6.FRAGMENT, "redirect")
            .jumpImm(BPF_JEQ, R9, Ipv6.DESTINATION_OPTIONS, "redirect")
            .jump("pass")
            .label("quoted6")
            .ldx(BPF_H, R5, R7, Ipv6.HEADER_LENGTH + Tcp.SOURCE_PORT)
            .stx(BPF_H, R10, port, R5)
            .jump("protocol6");
    }

    /**
     * Makes the maps steer exactly {@code services}: what a reload added is steered from now on, what it removed no
     * longer is. Cheap when nothing changed (the daemon calls it on every publish, health changes included).
     */
    public void steer(final List<Service> services)
    {
        final Set<Key> wanted = new HashSet<>();
        for (final Service service : services)
        {
            wanted.add(new Key(service.vip(), service.protocol(), service.port()));
        }
        for (final Key key : List.copyOf(steered))
        {
            if (!wanted.contains(key))
            {
                removeService(key.address(), key.protocol(), key.port());
            }
        }
        for (final Key key : wanted)
        {
            addService(key.address(), key.protocol(), key.port());
        }
    }

    /** Steers TCP ({@code protocol} 6) or UDP (17) to {@code vip} port {@code port} into the sockets from now on. */
    public void addService(final InetAddress vip, final int protocol, final int port)
    {
        if (steered.add(new Key(vip, protocol, port)))
        {
            // the VIP first: until its service key is in, the service's frames still go to the host
            use(new Key(vip, 0, 0));
            use(new Key(vip, protocol, 0));
            use(new Key(vip, protocol, port));
        }
    }

    /** Stops steering a service; returns false when it was not steered. */
    public boolean removeService(final InetAddress vip, final int protocol, final int port)
    {
        if (!steered.remove(new Key(vip, protocol, port)))
        {
            return false;
        }
        release(new Key(vip, protocol, port));
        release(new Key(vip, protocol, 0));
        release(new Key(vip, 0, 0));
        return true;
    }

    /** Whether the kernel's map steers the service (reads the map, not a copy). */
    public boolean steers(final InetAddress vip, final int protocol, final int port)
    {
        final Key key = new Key(vip, protocol, port);
        return contains(map(key), key.bytes());
    }

    /** Whether the kernel's map holds {@code address} as a VIP, whatever its services. */
    public boolean isVip(final InetAddress address)
    {
        final Key key = new Key(address, 0, 0);
        return contains(map(key), key.bytes());
    }

    private void use(final Key key)
    {
        if (keyUses.merge(key, 1, Integer::sum) == 1)
        {
            put(map(key), key.bytes());
        }
    }

    private void release(final Key key)
    {
        if (keyUses.merge(key, -1, Integer::sum) == 0)
        {
            keyUses.remove(key);
            remove(map(key), key.bytes());
        }
    }

    private int map(final Key key)
    {
        return key.address().getAddress().length == 4 ? services4 : services6;
    }

    /** Puts an AF_XDP socket in the XSKMAP for {@code queueId}: frames steered on that queue go to it. */
    public void registerSocket(final int queueId, final int socketFd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Bpf.mapUpdateElem(xsks, arena.allocateFrom(ValueLayout.JAVA_INT, queueId),
                arena.allocateFrom(ValueLayout.JAVA_INT, socketFd), Bpf.BPF_ANY);
        }
    }

    /** Removes the socket of {@code queueId} from the XSKMAP; returns false when none was there. */
    public boolean unregisterSocket(final int queueId)
    {
        if (closed())
        {
            return false;
        }
        try (Arena arena = Arena.ofConfined())
        {
            return Bpf.mapDeleteElem(xsks, arena.allocateFrom(ValueLayout.JAVA_INT, queueId));
        }
    }

    /** A key of the services maps: address, protocol (0 for "any"), port (0 for "any"). */
    private record Key(InetAddress address, int protocol, int port)
    {
        /** As the program builds it on its stack: the address, the protocol, a zero byte, the port big-endian. */
        byte[] bytes()
        {
            final byte[] address = address().getAddress();
            final byte[] key = new byte[address.length + 4];
            System.arraycopy(address, 0, key, 0, address.length);
            key[address.length + KEY_PROTOCOL] = (byte)protocol;
            key[address.length + KEY_PORT] = (byte)(port >>> 8);
            key[address.length + KEY_PORT + 1] = (byte)port;
            return key;
        }
    }
}
