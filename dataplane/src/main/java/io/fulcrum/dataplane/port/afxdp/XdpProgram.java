package io.fulcrum.dataplane.port.afxdp;

import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_DW;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_FUNC_MAP_LOOKUP_ELEM;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_FUNC_REDIRECT_MAP;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_H;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JEQ;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JGT;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_W;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R0;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R1;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R10;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R2;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R3;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R4;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R5;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R6;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;

import io.fulcrum.dataplane.packet.Ethernet;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;
import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.NativeException;

/**
 * The XDP program that steers VIP traffic into Fulcrum's AF_XDP sockets and leaves everything else to the kernel.
 * It parses Ethernet (with at most one 802.1Q / 802.1ad tag), looks the IPv4 destination up in the hash map
 * {@code vips4} (4-byte key, network order) or the IPv6 destination in {@code vips6} (16-byte key), and on a hit
 * redirects the frame to the socket registered in the XSKMAP {@code xsks} at the frame's rx_queue_index
 * ({@code bpf_redirect_map} with XDP_PASS as the fallback when no socket is there). Every other frame gets XDP_PASS,
 * so ARP, VRRP, health checks and management keep reaching the host stack.
 *
 * <p>Attached through a BPF link ({@link LoadedXdpProgram}). Not thread-safe; VIP updates are single map writes and
 * may run while traffic flows.
 */
public final class XdpProgram extends LoadedXdpProgram
{
    public static final int MAX_QUEUES = 64;
    public static final int MAX_VIPS = 4096;

    private static final int ETH_P_8021Q_LOADED = loaded16(Ethernet.TYPE_VLAN);
    private static final int ETH_P_8021AD_LOADED = loaded16(0x88A8); // 802.1ad S-tag
    private static final int VLAN_HLEN = Ethernet.VLAN_HEADER_LENGTH - Ethernet.HEADER_LENGTH;

    private final int vips4;
    private final int vips6;
    private final int xsks;

    private XdpProgram(final int[] maps)
    {
        super("fulcrum_steer", steering(maps[0], maps[1], maps[2]), maps);
        this.vips4 = maps[0];
        this.vips6 = maps[1];
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
            new MapDefinition(Bpf.BPF_MAP_TYPE_HASH, 4, 4, MAX_VIPS, "vips4"),
            new MapDefinition(Bpf.BPF_MAP_TYPE_HASH, 16, 4, MAX_VIPS, "vips6"),
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

    /** The steering program: see the class comment. Registers: r6 = ctx, r2 = cursor, r3 = data_end. */
    static BpfAssembler steering(final int vips4, final int vips6, final int xsks)
    {
        return new BpfAssembler()
            .movReg(R6, R1)
            .ldx(BPF_W, R2, R1, Bpf.XDP_MD_DATA)
            .ldx(BPF_W, R3, R1, Bpf.XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, Ethernet.HEADER_LENGTH).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_H, R5, R2, Ethernet.ETHER_TYPE)
            .jumpImm(BPF_JEQ, R5, ETH_P_8021Q_LOADED, "vlan")
            .jumpImm(BPF_JEQ, R5, ETH_P_8021AD_LOADED, "vlan")
            .jump("l3")
            .label("vlan")
            .movReg(R4, R2).addImm(R4, Ethernet.VLAN_HEADER_LENGTH).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_H, R5, R2, Ethernet.VLAN_ETHER_TYPE)
            .addImm(R2, VLAN_HLEN) // from here on r2 + 14 is the network header, tagged or not
            .label("l3")
            .jumpImm(BPF_JEQ, R5, ETH_P_IP_LOADED, "ipv4")
            .jumpImm(BPF_JEQ, R5, ETH_P_IPV6_LOADED, "ipv6")
            .jump("pass")

            .label("ipv4")
            .movReg(R4, R2).addImm(R4, Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_W, R5, R2, Ethernet.HEADER_LENGTH + Ipv4.DESTINATION)
            .stx(BPF_W, R10, -4, R5)
            .loadMapFd(R1, vips4).movReg(R2, R10).addImm(R2, -4).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass")
            .jump("redirect")

            .label("ipv6")
            .movReg(R4, R2).addImm(R4, Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_DW, R5, R2, Ethernet.HEADER_LENGTH + Ipv6.DESTINATION)
            .stx(BPF_DW, R10, -16, R5)
            .ldx(BPF_DW, R5, R2, Ethernet.HEADER_LENGTH + Ipv6.DESTINATION + 8)
            .stx(BPF_DW, R10, -8, R5)
            .loadMapFd(R1, vips6).movReg(R2, R10).addImm(R2, -16).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass")

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

    /** Steers traffic to {@code vip} into the sockets from now on. */
    public void addVip(final InetAddress vip)
    {
        put(vipMap(vip), vip.getAddress());
    }

    /** Stops steering {@code vip}; returns false when it was not steered. */
    public boolean removeVip(final InetAddress vip)
    {
        return remove(vipMap(vip), vip.getAddress());
    }

    /** Whether {@code vip} is in the program's VIP maps (reads the kernel's map, not a copy). */
    public boolean steers(final InetAddress vip)
    {
        return contains(vipMap(vip), vip.getAddress());
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

    private int vipMap(final InetAddress vip)
    {
        return vip.getAddress().length == 4 ? vips4 : vips6;
    }
}
