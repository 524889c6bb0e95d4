package io.fulcrum.dataplane.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * Routing netlink (rtnetlink(7)) through a NETLINK_ROUTE socket: the neighbour table, which gives the data plane the
 * next-hop MAC address of each backend, and interface addresses, which VRRP adds and removes to move virtual IPs.
 * Message layouts and constants are named as {@code linux/netlink.h}, {@code linux/rtnetlink.h},
 * {@code linux/neighbour.h} and {@code linux/if_addr.h} name them.
 *
 * <p>The socket belongs to the network namespace of the thread that {@link #open}ed it, and so do interface indexes;
 * {@link #resolve} also sends a datagram and looks up {@code ifName}, so call it from a thread in that namespace.
 * Control plane only: one thread at a time (any thread), allocates per call, each call waits at most {@link #REPLY_TIMEOUT_MILLIS} for
 * the kernel.
 */
public final class Rtnetlink implements AutoCloseable
{
    /* address families — linux/socket.h */
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    /* neighbour states (ndm_state) — linux/neighbour.h */
    public static final int NUD_INCOMPLETE = 0x01;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_DELAY = 0x08;
    public static final int NUD_PROBE = 0x10;
    public static final int NUD_FAILED = 0x20;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;
    /** States in which the link-layer address is known and may be used (NUD_VALID in include/net/neighbour.h). */
    public static final int NUD_VALID =
        NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;

    /* address flags (ifa_flags, IFA_FLAGS) — linux/if_addr.h */
    public static final int IFA_F_NODAD = 0x02;

    public static final int REPLY_TIMEOUT_MILLIS = 5000;

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_ROUTE = 0;

    /* struct nlmsghdr {u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid;} */
    private static final int NLMSG_HDRLEN = 16;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int NLM_F_REQUEST = 0x01;
    private static final int NLM_F_ACK = 0x04;
    private static final int NLM_F_DUMP = 0x300;
    private static final int NLM_F_EXCL = 0x200;
    private static final int NLM_F_CREATE = 0x400;

    /* message types — linux/rtnetlink.h */
    private static final int RTM_NEWADDR = 20;
    private static final int RTM_DELADDR = 21;
    private static final int RTM_NEWNEIGH = 28;
    private static final int RTM_GETNEIGH = 30;

    /* struct ndmsg {u8 ndm_family, pad1; u16 pad2; s32 ndm_ifindex; u16 ndm_state; u8 ndm_flags, ndm_type;} */
    private static final int NDMSG_LEN = 12;
    private static final int NDA_DST = 1;
    private static final int NDA_LLADDR = 2;

    /* struct ifaddrmsg {u8 ifa_family, ifa_prefixlen, ifa_flags, ifa_scope; u32 ifa_index;} */
    private static final int IFADDRMSG_LEN = 8;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFA_FLAGS = 8;
    /** struct ifa_cacheinfo { u32 ifa_prefered, ifa_valid, cstamp, tstamp } — linux/if_addr.h */
    private static final int IFA_CACHEINFO = 6;
    private static final int IFA_CACHEINFO_LEN = 16;
    private static final int INFINITY_LIFE_TIME = 0xFFFFFFFF;

    /* struct rtattr {u16 rta_len; u16 rta_type;} */
    private static final int RTA_HDRLEN = 4;

    private static final int EEXIST = 17;
    private static final int EADDRNOTAVAIL = 99;
    private static final int EINTR = 4;
    private static final short POLLIN = 1;
    private static final int RECEIVE_BUFFER = 1 << 16;
    /** The discard service (RFC 863): a datagram sent to it makes the kernel resolve the target and nothing else. */
    private static final int DISCARD_PORT = 9;
    private static final long RESOLVE_POLL_MILLIS = 10;
    private static final long RESEND_MILLIS = 1000;

    /** One entry of the neighbour table. */
    public record Neighbour(int ifIndex, InetAddress address, long linkLayerAddress, int state)
    {
        /** The {@link #linkLayerAddress} of an entry that has none (incomplete or failed resolution). */
        public static final long NONE = -1;

        /** Whether the link-layer address is known and may be used (any NUD_VALID state). */
        public boolean usable()
        {
            return linkLayerAddress != NONE && (state & NUD_VALID) != 0;
        }
    }

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receiveBuffer = arena.allocate(RECEIVE_BUFFER, 8);
    private final MemorySegment kernel;
    private int sequence;

    private Rtnetlink(final int fd)
    {
        this.fd = fd;
        // struct sockaddr_nl {sa_family_t nl_family; unsigned short nl_pad; u32 nl_pid; u32 nl_groups;}: pid 0 is
        // the kernel
        kernel = arena.allocate(12, 4);
        kernel.set(ValueLayout.JAVA_SHORT, 0, (short)AF_NETLINK);
    }

    /** A NETLINK_ROUTE socket in the calling thread's network namespace. */
    public static Rtnetlink open()
    {
        return new Rtnetlink(Libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    }

    /** The neighbour table (RTM_GETNEIGH dump) of {@code family}: AF_INET, AF_INET6 or AF_UNSPEC for both. */
    public List<Neighbour> neighbours(final int family)
    {
        final List<Neighbour> found = new ArrayList<>();
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment request = call.allocate(NLMSG_HDRLEN + NDMSG_LEN, 4);
            header(request, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP);
            request.set(ValueLayout.JAVA_BYTE, NLMSG_HDRLEN, (byte)family);
            final int seq = send(request, "RTM_GETNEIGH");
            while (true)
            {
                final int length = receive(seq, "RTM_GETNEIGH");
                int at = 0;
                while (at + NLMSG_HDRLEN <= length)
                {
                    final int messageLength = receiveBuffer.get(ValueLayout.JAVA_INT, at);
                    final int type = receiveBuffer.get(ValueLayout.JAVA_SHORT, at + 4) & 0xFFFF;
                    if (messageLength < NLMSG_HDRLEN || at + messageLength > length)
                    {
                        throw new IllegalStateException("RTM_GETNEIGH: malformed netlink message");
                    }
                    if (type == NLMSG_DONE)
                    {
                        return found;
                    }
                    if (type == NLMSG_ERROR)
                    {
                        throwIfError(at, "RTM_GETNEIGH");
                    }
                    if (type == RTM_NEWNEIGH && messageLength >= NLMSG_HDRLEN + NDMSG_LEN)
                    {
                        final Neighbour neighbour = neighbour(at, messageLength);
                        if (neighbour != null)
                        {
                            found.add(neighbour);
                        }
                    }
                    at += align4(messageLength);
                }
            }
        }
    }

    private Neighbour neighbour(final int message, final int messageLength)
    {
        final int body = message + NLMSG_HDRLEN;
        final int family = receiveBuffer.get(ValueLayout.JAVA_BYTE, body) & 0xFF;
        final int ifIndex = receiveBuffer.get(ValueLayout.JAVA_INT, body + 4);
        final int state = receiveBuffer.get(ValueLayout.JAVA_SHORT, body + 8) & 0xFFFF;
        byte[] destination = null;
        long linkLayerAddress = Neighbour.NONE;
        int at = body + NDMSG_LEN;
        final int end = message + messageLength;
        while (at + RTA_HDRLEN <= end)
        {
            final int attributeLength = receiveBuffer.get(ValueLayout.JAVA_SHORT, at) & 0xFFFF;
            final int type = receiveBuffer.get(ValueLayout.JAVA_SHORT, at + 2) & 0xFFFF;
            if (attributeLength < RTA_HDRLEN || at + attributeLength > end)
            {
                break;
            }
            final int payload = attributeLength - RTA_HDRLEN;
            if (type == NDA_DST && (payload == 4 || payload == 16))
            {
                destination = receiveBuffer.asSlice(at + RTA_HDRLEN, payload).toArray(ValueLayout.JAVA_BYTE);
            }
            else if (type == NDA_LLADDR && payload == 6)
            {
                linkLayerAddress = 0;
                for (int i = 0; i < 6; i++)
                {
                    linkLayerAddress = (linkLayerAddress << 8)
                        | (receiveBuffer.get(ValueLayout.JAVA_BYTE, at + RTA_HDRLEN + i) & 0xFF);
                }
            }
            at += align4(attributeLength);
        }
        if (destination == null || (family != AF_INET && family != AF_INET6))
        {
            return null;
        }
        try
        {
            return new Neighbour(ifIndex, InetAddress.getByAddress(destination), linkLayerAddress, state);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e); // only for a length other than 4 or 16, excluded above
        }
    }

    /**
     * Adds {@code address}/{@code prefixLength} to interface {@code ifIndex} (RTM_NEWADDR with IFA_LOCAL and
     * IFA_ADDRESS). IPv6 addresses are added with IFA_F_NODAD, as a moved virtual IP must answer at once rather than
     * after duplicate address detection, and with a preferred lifetime of 0 (deprecated, valid forever): the host still
     * receives on it, but never picks it as the source of its own connections, so a balancer's health checks leave
     * from its own address and not from a VIP that the backends also hold (keepalived does both for IPv6 VIPs).
     * Returns false, changing nothing, when the address
     * is there already (EEXIST); throws {@link NativeException} for any other refusal.
     */
    public boolean addAddress(final int ifIndex, final InetAddress address, final int prefixLength)
    {
        return addAddress(ifIndex, address, prefixLength, address instanceof Inet6Address ? IFA_F_NODAD : 0);
    }

    /** {@link #addAddress(int, InetAddress, int)} with explicit address flags (IFA_F_*). */
    public boolean addAddress(final int ifIndex, final InetAddress address, final int prefixLength, final int flags)
    {
        final int errno = changeAddress(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifIndex, address, prefixLength,
            flags, "RTM_NEWADDR");
        if (errno == EEXIST)
        {
            return false;
        }
        if (errno != 0)
        {
            throw new NativeException("RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength, errno);
        }
        return true;
    }

    /**
     * Removes {@code address}/{@code prefixLength} from interface {@code ifIndex} (RTM_DELADDR). Returns false when
     * the interface has no such address (EADDRNOTAVAIL); throws {@link NativeException} for any other refusal.
     */
    public boolean removeAddress(final int ifIndex, final InetAddress address, final int prefixLength)
    {
        final int errno = changeAddress(RTM_DELADDR, 0, ifIndex, address, prefixLength, 0, "RTM_DELADDR");
        if (errno == EADDRNOTAVAIL)
        {
            return false;
        }
        if (errno != 0)
        {
            throw new NativeException("RTM_DELADDR " + address.getHostAddress() + "/" + prefixLength, errno);
        }
        return true;
    }

    /** Sends an address request with NLM_F_ACK and returns the errno of the kernel's answer, 0 for success. */
    private int changeAddress(final int type, final int flags, final int ifIndex, final InetAddress address,
        final int prefixLength, final int addressFlags, final String what)
    {
        final byte[] bytes = address.getAddress();
        if (prefixLength < 0 || prefixLength > bytes.length * 8)
        {
            throw new IllegalArgumentException("prefix length " + prefixLength + " for " + address.getHostAddress());
        }
        final int attribute = align4(RTA_HDRLEN + bytes.length);
        final boolean deprecated = type == RTM_NEWADDR && bytes.length == 16;
        final int length = NLMSG_HDRLEN + IFADDRMSG_LEN + 2 * attribute + RTA_HDRLEN + 4
            + (deprecated ? RTA_HDRLEN + IFA_CACHEINFO_LEN : 0);
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment request = call.allocate(length, 4);
            header(request, type, NLM_F_REQUEST | NLM_F_ACK | flags);
            final int body = NLMSG_HDRLEN;
            request.set(ValueLayout.JAVA_BYTE, body, (byte)(bytes.length == 4 ? AF_INET : AF_INET6));
            request.set(ValueLayout.JAVA_BYTE, body + 1, (byte)prefixLength);
            request.set(ValueLayout.JAVA_BYTE, body + 2, (byte)addressFlags);
            request.set(ValueLayout.JAVA_INT, body + 4, ifIndex);
            int at = body + IFADDRMSG_LEN;
            at = attribute(request, at, IFA_LOCAL, bytes);
            at = attribute(request, at, IFA_ADDRESS, bytes);
            // IFA_FLAGS carries all 32 flag bits; ifa_flags only the low 8
            request.set(ValueLayout.JAVA_SHORT, at, (short)(RTA_HDRLEN + 4));
            request.set(ValueLayout.JAVA_SHORT, at + 2, (short)IFA_FLAGS);
            request.set(ValueLayout.JAVA_INT, at + RTA_HDRLEN, addressFlags);
            if (deprecated)
            {
                at += RTA_HDRLEN + 4;
                request.set(ValueLayout.JAVA_SHORT, at, (short)(RTA_HDRLEN + IFA_CACHEINFO_LEN));
                request.set(ValueLayout.JAVA_SHORT, at + 2, (short)IFA_CACHEINFO);
                request.set(ValueLayout.JAVA_INT, at + RTA_HDRLEN, 0); // ifa_prefered
                request.set(ValueLayout.JAVA_INT, at + RTA_HDRLEN + 4, INFINITY_LIFE_TIME); // ifa_valid
            }
            final int seq = send(request, what);
            while (true)
            {
                final int received = receive(seq, what);
                int message = 0;
                while (message + NLMSG_HDRLEN <= received)
                {
                    final int messageLength = receiveBuffer.get(ValueLayout.JAVA_INT, message);
                    final int messageType = receiveBuffer.get(ValueLayout.JAVA_SHORT, message + 4) & 0xFFFF;
                    if (messageLength < NLMSG_HDRLEN)
                    {
                        throw new IllegalStateException(what + ": malformed netlink message");
                    }
                    if (messageType == NLMSG_ERROR)
                    {
                        // struct nlmsgerr {int error; struct nlmsghdr msg;}: error 0 is the acknowledgement
                        return -receiveBuffer.get(ValueLayout.JAVA_INT, message + NLMSG_HDRLEN);
                    }
                    message += align4(messageLength);
                }
            }
        }
    }

    /* links — linux/rtnetlink.h, linux/if_link.h: struct ifinfomsg {u8 family, pad; u16 type; s32 index; u32 flags,
       change;}, IFLA_* attributes, IFLA_LINKINFO nesting IFLA_INFO_KIND and IFLA_INFO_DATA */
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_DELLINK = 17;
    private static final int IFINFOMSG_LEN = 16;
    private static final int IFLA_ADDRESS = 1;
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_LINK = 5;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_INFO_DATA = 2;
    private static final int IFLA_MACVLAN_MODE = 1;
    private static final int IFLA_AF_SPEC = 26;
    private static final int IFLA_INET6_ADDR_GEN_MODE = 8;
    private static final int IN6_ADDR_GEN_MODE_NONE = 1;
    private static final int IFF_UP = 0x1;
    /** linux/if_link.h: enum macvlan_mode; VEPA: every frame a macvlan sends goes to the wire, none to a sibling. */
    public static final int MACVLAN_MODE_VEPA = 2;

    /**
     * Creates a macvlan interface {@code name} on interface {@code parentIfIndex} with Ethernet address {@code mac}
     * (low 48 bits), and brings it up (RTM_NEWLINK, kind "macvlan"); returns its index. VRRP's virtual MAC needs
     * it. It gets no IPv6 link-local
     * address (IFLA_INET6_ADDR_GEN_MODE none), so that a standby's copy of the MAC never speaks on the link and moves
     * the switches' forwarding entries away from the master (keepalived does the same). Throws {@link NativeException}
     * with the kernel's errno when it refuses: EOPNOTSUPP on a kernel without macvlan, EEXIST when the name is taken.
     */
    public int addMacvlan(final int parentIfIndex, final String name, final long mac, final int mode)
    {
        final byte[] nameBytes = (name + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] kind = "macvlan\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] address = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            address[i] = (byte)(mac >>> (40 - 8 * i));
        }
        // u32 attributes are in host order
        final byte[] parent = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder())
            .putInt(parentIfIndex).array();
        final byte[] modeBytes = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder())
            .putInt(mode).array();
        final int data = RTA_HDRLEN + align4(RTA_HDRLEN + 4);
        final int linkInfo = RTA_HDRLEN + align4(RTA_HDRLEN + kind.length) + data;
        final int length = NLMSG_HDRLEN + IFINFOMSG_LEN + align4(RTA_HDRLEN + nameBytes.length)
            + align4(RTA_HDRLEN + 4) + align4(RTA_HDRLEN + 6) + linkInfo;
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment request = call.allocate(length, 4);
            header(request, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
            int at = NLMSG_HDRLEN + IFINFOMSG_LEN;
            at = attribute(request, at, IFLA_IFNAME, nameBytes);
            at = attribute(request, at, IFLA_LINK, parent);
            at = attribute(request, at, IFLA_ADDRESS, address);
            request.set(ValueLayout.JAVA_SHORT, at, (short)linkInfo);
            request.set(ValueLayout.JAVA_SHORT, at + 2, (short)IFLA_LINKINFO);
            at = attribute(request, at + RTA_HDRLEN, IFLA_INFO_KIND, kind);
            request.set(ValueLayout.JAVA_SHORT, at, (short)data);
            request.set(ValueLayout.JAVA_SHORT, at + 2, (short)IFLA_INFO_DATA);
            attribute(request, at + RTA_HDRLEN, IFLA_MACVLAN_MODE, modeBytes);
            final int errno = acknowledgement(send(request, "RTM_NEWLINK"), "RTM_NEWLINK");
            if (errno != 0)
            {
                throw new NativeException("RTM_NEWLINK macvlan " + name, errno);
            }
        }
        final int ifIndex = Libc.ifNameToIndex(name);
        try
        {
            // the address generation mode is refused at creation (no IPv6 device yet): set it while down, then up
            try (Arena call = Arena.ofConfined())
            {
                final int inet6 = RTA_HDRLEN + align4(RTA_HDRLEN + 1);
                final MemorySegment request = call.allocate(NLMSG_HDRLEN + IFINFOMSG_LEN + RTA_HDRLEN + inet6, 4);
                header(request, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
                request.set(ValueLayout.JAVA_INT, NLMSG_HDRLEN + 4, ifIndex);
                final int at = NLMSG_HDRLEN + IFINFOMSG_LEN;
                request.set(ValueLayout.JAVA_SHORT, at, (short)(RTA_HDRLEN + inet6));
                request.set(ValueLayout.JAVA_SHORT, at + 2, (short)IFLA_AF_SPEC);
                request.set(ValueLayout.JAVA_SHORT, at + RTA_HDRLEN, (short)inet6);
                request.set(ValueLayout.JAVA_SHORT, at + RTA_HDRLEN + 2, (short)AF_INET6);
                attribute(request, at + 2 * RTA_HDRLEN, IFLA_INET6_ADDR_GEN_MODE,
                    new byte[]{IN6_ADDR_GEN_MODE_NONE});
                final int errno = acknowledgement(send(request, "RTM_NEWLINK"), "RTM_NEWLINK");
                if (errno != 0)
                {
                    throw new NativeException("RTM_NEWLINK " + name + " addrgenmode none", errno);
                }
            }
            setLinkUp(ifIndex, true);
            return ifIndex;
        }
        catch (final RuntimeException e)
        {
            removeLink(ifIndex);
            throw e;
        }
    }

    /** Sets interface {@code ifIndex} administratively up or down (RTM_NEWLINK, IFF_UP in ifi_change). */
    public void setLinkUp(final int ifIndex, final boolean up)
    {
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment request = call.allocate(NLMSG_HDRLEN + IFINFOMSG_LEN, 4);
            header(request, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
            request.set(ValueLayout.JAVA_INT, NLMSG_HDRLEN + 4, ifIndex);
            request.set(ValueLayout.JAVA_INT, NLMSG_HDRLEN + 8, up ? IFF_UP : 0); // ifi_flags
            request.set(ValueLayout.JAVA_INT, NLMSG_HDRLEN + 12, IFF_UP); // ifi_change
            final int errno = acknowledgement(send(request, "RTM_NEWLINK"), "RTM_NEWLINK");
            if (errno != 0)
            {
                throw new NativeException("RTM_NEWLINK ifindex " + ifIndex + (up ? " up" : " down"), errno);
            }
        }
    }

    /** Deletes interface {@code ifIndex} (RTM_DELLINK); returns false when there is no such interface (ENODEV). */
    public boolean removeLink(final int ifIndex)
    {
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment request = call.allocate(NLMSG_HDRLEN + IFINFOMSG_LEN, 4);
            header(request, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
            request.set(ValueLayout.JAVA_INT, NLMSG_HDRLEN + 4, ifIndex);
            final int errno = acknowledgement(send(request, "RTM_DELLINK"), "RTM_DELLINK");
            if (errno == 19) // ENODEV
            {
                return false;
            }
            if (errno != 0)
            {
                throw new NativeException("RTM_DELLINK " + ifIndex, errno);
            }
            return true;
        }
    }

    /** Waits for the NLMSG_ERROR answering request {@code seq}: its errno, 0 for the acknowledgement. */
    private int acknowledgement(final int seq, final String what)
    {
        while (true)
        {
            final int received = receive(seq, what);
            int message = 0;
            while (message + NLMSG_HDRLEN <= received)
            {
                final int messageLength = receiveBuffer.get(ValueLayout.JAVA_INT, message);
                if (messageLength < NLMSG_HDRLEN)
                {
                    throw new IllegalStateException(what + ": malformed netlink message");
                }
                if ((receiveBuffer.get(ValueLayout.JAVA_SHORT, message + 4) & 0xFFFF) == NLMSG_ERROR)
                {
                    return -receiveBuffer.get(ValueLayout.JAVA_INT, message + NLMSG_HDRLEN);
                }
                message += align4(messageLength);
            }
        }
    }

    /**
     * The MAC address of {@code target} on interface {@code ifName}: from the neighbour table when a usable entry is
     * there; otherwise one UDP datagram to the target's discard port makes the kernel resolve it (ARP, or neighbour
     * discovery for IPv6), and the table is polled until the entry is usable, sending again each second, for at most
     * {@code timeout}. Empty when the target did not answer in time. The target must be on-link on {@code ifName}:
     * for a backend behind a router, resolve the router (the kernel would resolve its gateway, not the target).
     */
    public OptionalLong resolve(final InetAddress target, final String ifName, final Duration timeout)
    {
        final int ifIndex = Libc.ifNameToIndex(ifName);
        final int family = target instanceof Inet6Address ? AF_INET6 : AF_INET;
        final long deadline = System.nanoTime() + timeout.toNanos();
        long nextSend = System.nanoTime();
        try (DatagramSocket socket = new DatagramSocket())
        {
            while (true)
            {
                final long mac = lookUp(family, ifIndex, target);
                if (mac != Neighbour.NONE)
                {
                    return OptionalLong.of(mac);
                }
                final long now = System.nanoTime();
                if (now - deadline >= 0)
                {
                    return OptionalLong.empty();
                }
                if (now - nextSend >= 0)
                {
                    final byte[] nothing = new byte[0];
                    socket.send(new DatagramPacket(nothing, 0, scoped(target, ifName), DISCARD_PORT));
                    nextSend = now + RESEND_MILLIS * 1_000_000L;
                }
                Thread.sleep(RESOLVE_POLL_MILLIS);
            }
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot send to " + target.getHostAddress() + " on " + ifName + ": "
                + e.getMessage(), e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    private long lookUp(final int family, final int ifIndex, final InetAddress target)
    {
        final byte[] wanted = target.getAddress();
        for (final Neighbour neighbour : neighbours(family))
        {
            if (neighbour.ifIndex() == ifIndex && neighbour.usable()
                && Arrays.equals(neighbour.address().getAddress(), wanted))
            {
                return neighbour.linkLayerAddress();
            }
        }
        return Neighbour.NONE;
    }

    /** A link-local IPv6 target needs the interface as its scope to leave through it. */
    private static InetAddress scoped(final InetAddress target, final String ifName) throws IOException
    {
        if (target instanceof Inet6Address v6 && v6.isLinkLocalAddress() && v6.getScopedInterface() == null)
        {
            return Inet6Address.getByAddress(null, v6.getAddress(), NetworkInterface.getByName(ifName));
        }
        return target;
    }

    private void header(final MemorySegment request, final int type, final int flags)
    {
        request.set(ValueLayout.JAVA_INT, 0, (int)request.byteSize());
        request.set(ValueLayout.JAVA_SHORT, 4, (short)type);
        request.set(ValueLayout.JAVA_SHORT, 6, (short)flags);
        request.set(ValueLayout.JAVA_INT, 8, ++sequence);
        // nlmsg_pid 0: the kernel fills in the socket's port id
    }

    private static int attribute(final MemorySegment request, final int at, final int type, final byte[] value)
    {
        request.set(ValueLayout.JAVA_SHORT, at, (short)(RTA_HDRLEN + value.length));
        request.set(ValueLayout.JAVA_SHORT, at + 2, (short)type);
        MemorySegment.copy(value, 0, request, ValueLayout.JAVA_BYTE, at + RTA_HDRLEN, value.length);
        return at + align4(RTA_HDRLEN + value.length);
    }

    private int send(final MemorySegment request, final String what)
    {
        try (Arena call = Arena.ofConfined())
        {
            final long sent = Libc.sendto(Libc.errnoSegment(call), fd, request, request.byteSize(), 0, kernel,
                (int)kernel.byteSize());
            if (sent < 0)
            {
                throw new NativeException("sendto(" + what + ")", (int)-sent);
            }
        }
        return sequence;
    }

    /**
     * Receives the next datagram that answers request {@code seq} into the receive buffer and returns its length.
     * Answers to earlier requests (left over after a timeout) are skipped.
     */
    private int receive(final int seq, final String what)
    {
        final long deadline = System.nanoTime() + REPLY_TIMEOUT_MILLIS * 1_000_000L;
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(call);
            final MemorySegment pollFd = call.allocate(8, 4); // struct pollfd {int fd; short events, revents}
            while (true)
            {
                final long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0)
                {
                    throw new IllegalStateException(what + ": no answer from the kernel within "
                        + REPLY_TIMEOUT_MILLIS + " ms");
                }
                pollFd.set(ValueLayout.JAVA_INT, 0, fd);
                pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
                pollFd.set(ValueLayout.JAVA_SHORT, 6, (short)0);
                final int ready = Libc.poll(capture, pollFd, 1, (int)left);
                if (ready < 0 && ready != -EINTR)
                {
                    throw new NativeException("poll(" + what + ")", -ready);
                }
                if (ready <= 0)
                {
                    continue;
                }
                final long length = Libc.recvfrom(capture, fd, receiveBuffer, receiveBuffer.byteSize(), 0,
                    MemorySegment.NULL, MemorySegment.NULL);
                if (length < 0)
                {
                    throw new NativeException("recvfrom(" + what + ")", (int)-length);
                }
                if (length >= NLMSG_HDRLEN && receiveBuffer.get(ValueLayout.JAVA_INT, 8) == seq)
                {
                    return (int)length;
                }
            }
        }
    }

    private void throwIfError(final int message, final String what)
    {
        final int error = receiveBuffer.get(ValueLayout.JAVA_INT, message + NLMSG_HDRLEN);
        if (error != 0)
        {
            throw new NativeException(what, -error);
        }
    }

    private static int align4(final int length)
    {
        return (length + 3) & ~3;
    }

    @Override
    public void close()
    {
        Libc.close(fd);
        arena.close();
    }
}
