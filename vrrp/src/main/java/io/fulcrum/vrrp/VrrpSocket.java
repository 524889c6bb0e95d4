package io.fulcrum.vrrp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.NetworkBytes;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.NativeException;
import io.fulcrum.dataplane.sys.RawSockets;

/**
 * A raw IP socket for protocol 112 on one interface and family (raw(7)), shared by the instances there. Sends with
 * TTL / Hop Limit 255 from an explicit source address (IP_PKTINFO / IPV6_PKTINFO) to the group 224.0.0.18 /
 * ff02::12 or to unicast peers, and receives with the TTL: a raw IPv4 socket delivers the IP header, which carries
 * it; for IPv6 the hop limit and the destination (for the pseudo-header) come as ancillary data
 * (IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO). Multicast loopback is off, so a router does not hear itself.
 * Preallocated buffers: receiving and sending allocate nothing. One thread uses it.
 */
public final class VrrpSocket implements AutoCloseable
{
    /** {@link #receive} found nothing to read. */
    public static final int NOTHING = -1;

    private static final int BUFFER = 65_536;
    private static final int CONTROL = 256;
    private static final int EAGAIN = 11;
    private static final ValueLayout.OfLong NETWORK_LONG =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final int fd;
    private final int family;
    private final int ifIndex;
    private final String interfaceName;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.errnoSegment(arena);
    private final MemorySegment receiveBuffer = arena.allocate(BUFFER, 8);
    private final MemorySegment receiveName = arena.allocate(RawSockets.SOCKADDR_IN6_SIZE, 8);
    private final MemorySegment receiveControl = arena.allocate(CONTROL, 8);
    private final MemorySegment receiveIov = arena.allocate(RawSockets.IOVEC_SIZE, 8);
    private final MemorySegment receiveHeader = arena.allocate(RawSockets.MSGHDR_SIZE, 8);
    private final MemorySegment sendName = arena.allocate(RawSockets.SOCKADDR_IN6_SIZE, 8);
    private final MemorySegment sendControl = arena.allocate(CONTROL, 8);
    private final MemorySegment sendIov = arena.allocate(RawSockets.IOVEC_SIZE, 8);
    private final MemorySegment sendHeader = arena.allocate(RawSockets.MSGHDR_SIZE, 8);
    private long lastSourceHi;
    private long lastSourceLo;

    private VrrpSocket(final int fd, final int family, final int ifIndex, final String interfaceName)
    {
        this.fd = fd;
        this.family = family;
        this.ifIndex = ifIndex;
        this.interfaceName = interfaceName;
        receiveIov.set(ValueLayout.ADDRESS, 0, receiveBuffer);
        receiveIov.set(ValueLayout.JAVA_LONG, 8, BUFFER);
        sendIov.set(ValueLayout.ADDRESS, 0, MemorySegment.NULL);
    }

    /**
     * Opens the socket on {@code interfaceName} (in the calling thread's network namespace) and, when
     * {@code joinGroup}, joins the VRRP group there.
     */
    public static VrrpSocket open(final String interfaceName, final int family, final boolean joinGroup)
    {
        return open(interfaceName, family, joinGroup, true);
    }

    /**
     * Opens a socket that only sends, on {@code interfaceName}: the virtual MAC's macvlan, so that adverts leave with
     * the virtual router MAC as their Ethernet source (RFC 9568 section 7.3) and the switches keep learning where it
     * lives. It drops everything it would receive in the kernel (adverts reach a macvlan too, and nobody reads them
     * here): the agent reads adverts on the parent's socket.
     */
    public static VrrpSocket openSender(final String interfaceName, final int family)
    {
        return open(interfaceName, family, false, false);
    }

    private static VrrpSocket open(final String interfaceName, final int family, final boolean joinGroup,
        final boolean receives)
    {
        final int ifIndex = Libc.ifNameToIndex(interfaceName);
        final int fd = RawSockets.open(family == 4 ? RawSockets.AF_INET : RawSockets.AF_INET6, AdvertCodec.PROTOCOL);
        try
        {
            RawSockets.bindToDevice(fd, interfaceName);
            if (!receives)
            {
                RawSockets.dropEverythingReceived(fd);
            }
            if (family == 4)
            {
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IP, RawSockets.IP_TTL, AdvertCodec.TTL, "IP_TTL");
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IP, RawSockets.IP_MULTICAST_TTL, AdvertCodec.TTL,
                    "IP_MULTICAST_TTL");
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IP, RawSockets.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
                RawSockets.ipv4MulticastInterface(fd, ifIndex);
                if (joinGroup)
                {
                    RawSockets.joinIpv4Group(fd, IpAddresses.v4(AdvertCodec.GROUP_V4_LO), ifIndex);
                }
            }
            else
            {
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IPV6, RawSockets.IPV6_UNICAST_HOPS, AdvertCodec.TTL,
                    "IPV6_UNICAST_HOPS");
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IPV6, RawSockets.IPV6_MULTICAST_HOPS, AdvertCodec.TTL,
                    "IPV6_MULTICAST_HOPS");
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IPV6, RawSockets.IPV6_MULTICAST_LOOP, 0,
                    "IPV6_MULTICAST_LOOP");
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IPV6, RawSockets.IPV6_MULTICAST_IF, ifIndex,
                    "IPV6_MULTICAST_IF");
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IPV6, RawSockets.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
                Libc.setsockoptInt(fd, RawSockets.IPPROTO_IPV6, RawSockets.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
                if (joinGroup)
                {
                    RawSockets.joinIpv6Group(fd, AdvertCodec.GROUP_V6_HI, AdvertCodec.GROUP_V6_LO, ifIndex);
                }
            }
            return new VrrpSocket(fd, family, ifIndex, interfaceName);
        }
        catch (final RuntimeException e)
        {
            Libc.close(fd);
            throw e;
        }
    }

    public int fd()
    {
        return fd;
    }

    public int family()
    {
        return family;
    }

    public int ifIndex()
    {
        return ifIndex;
    }

    public String interfaceName()
    {
        return interfaceName;
    }

    /**
     * Reads one packet and parses it into {@code out}: returns {@link AdvertReject#ACCEPTED}, a reject code, or
     * {@link #NOTHING} when no packet is waiting. Other receive errors throw {@link NativeException}.
     */
    public int receive(final VridSet vrids, final Advert out)
    {
        receiveHeader.set(ValueLayout.ADDRESS, RawSockets.MSG_NAME, receiveName);
        receiveHeader.set(ValueLayout.JAVA_INT, RawSockets.MSG_NAMELEN, RawSockets.SOCKADDR_IN6_SIZE);
        receiveHeader.set(ValueLayout.ADDRESS, RawSockets.MSG_IOV, receiveIov);
        receiveHeader.set(ValueLayout.JAVA_LONG, RawSockets.MSG_IOVLEN, 1);
        receiveHeader.set(ValueLayout.ADDRESS, RawSockets.MSG_CONTROL, receiveControl);
        receiveHeader.set(ValueLayout.JAVA_LONG, RawSockets.MSG_CONTROLLEN, CONTROL);
        receiveHeader.set(ValueLayout.JAVA_INT, RawSockets.MSG_FLAGS, 0);
        final long received = RawSockets.recvmsg(capture, fd, receiveHeader, RawSockets.MSG_DONTWAIT);
        if (received < 0)
        {
            if (received == -EAGAIN)
            {
                return NOTHING;
            }
            throw new NativeException("recvmsg on " + interfaceName, (int)-received);
        }
        final int length = (int)received;
        if ((receiveHeader.get(ValueLayout.JAVA_INT, RawSockets.MSG_FLAGS) & RawSockets.MSG_TRUNC) != 0)
        {
            return AdvertReject.TRUNCATED;
        }
        if (family == 4)
        {
            final int code = AdvertCodec.parseIpv4Packet(receiveBuffer, 0, length, vrids, out);
            if (length >= 20)
            {
                lastSourceHi = 0;
                lastSourceLo = IpAddresses.v4Lo(NetworkBytes.u32(receiveBuffer, 12));
            }
            return code;
        }
        lastSourceHi = receiveName.get(NETWORK_LONG, RawSockets.SIN6_ADDR);
        lastSourceLo = receiveName.get(NETWORK_LONG, RawSockets.SIN6_ADDR + 8);
        int hopLimit = -1;
        long destinationHi = 0;
        long destinationLo = 0;
        final long controlLength = receiveHeader.get(ValueLayout.JAVA_LONG, RawSockets.MSG_CONTROLLEN);
        long at = 0;
        while (at + RawSockets.CMSGHDR_SIZE <= controlLength && controlLength <= CONTROL)
        {
            final long cmsgLength = receiveControl.get(ValueLayout.JAVA_LONG, at);
            final int level = receiveControl.get(ValueLayout.JAVA_INT, at + 8);
            final int type = receiveControl.get(ValueLayout.JAVA_INT, at + 12);
            if (cmsgLength < RawSockets.CMSGHDR_SIZE || at + cmsgLength > controlLength)
            {
                break;
            }
            if (level == RawSockets.IPPROTO_IPV6 && type == RawSockets.IPV6_HOPLIMIT && cmsgLength >= 20)
            {
                hopLimit = receiveControl.get(ValueLayout.JAVA_INT, at + RawSockets.CMSGHDR_SIZE);
            }
            else if (level == RawSockets.IPPROTO_IPV6 && type == RawSockets.IPV6_PKTINFO
                && cmsgLength >= RawSockets.CMSGHDR_SIZE + RawSockets.IN6_PKTINFO_SIZE)
            {
                destinationHi = receiveControl.get(NETWORK_LONG, at + RawSockets.CMSGHDR_SIZE);
                destinationLo = receiveControl.get(NETWORK_LONG, at + RawSockets.CMSGHDR_SIZE + 8);
            }
            at += (cmsgLength + 7) & ~7L;
        }
        return AdvertCodec.parse(receiveBuffer, 0, length, 6, lastSourceHi, lastSourceLo, destinationHi,
            destinationLo, hopLimit, vrids, out);
    }

    /** The source address of the last packet {@link #receive} read, also when it was rejected. */
    public long lastSourceHi()
    {
        return lastSourceHi;
    }

    public long lastSourceLo()
    {
        return lastSourceLo;
    }

    /**
     * Sends {@code length} bytes of {@code advert} to {@code destination} from {@code source}; returns the byte count
     * or minus errno (a full send buffer or a link that is down is reported, not thrown).
     */
    public long send(final MemorySegment advert, final int length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo)
    {
        sendIov.set(ValueLayout.ADDRESS, 0, advert);
        sendIov.set(ValueLayout.JAVA_LONG, 8, length);
        sendName.fill((byte)0);
        sendControl.fill((byte)0);
        final int nameLength;
        final int controlLength;
        if (family == 4)
        {
            sendName.set(ValueLayout.JAVA_SHORT, 0, (short)RawSockets.AF_INET);
            sendName.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4,
                IpAddresses.v4(destinationLo));
            nameLength = RawSockets.SOCKADDR_IN_SIZE;
            controlLength = RawSockets.cmsgSpace(RawSockets.IN_PKTINFO_SIZE);
            sendControl.set(ValueLayout.JAVA_LONG, 0, RawSockets.CMSGHDR_SIZE + RawSockets.IN_PKTINFO_SIZE);
            sendControl.set(ValueLayout.JAVA_INT, 8, RawSockets.IPPROTO_IP);
            sendControl.set(ValueLayout.JAVA_INT, 12, RawSockets.IP_PKTINFO);
            // struct in_pktinfo: ipi_ifindex, ipi_spec_dst (the source to use), ipi_addr
            sendControl.set(ValueLayout.JAVA_INT, 16, ifIndex);
            sendControl.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 20,
                IpAddresses.v4(sourceLo));
        }
        else
        {
            sendName.set(ValueLayout.JAVA_SHORT, 0, (short)RawSockets.AF_INET6);
            sendName.set(NETWORK_LONG, RawSockets.SIN6_ADDR, destinationHi);
            sendName.set(NETWORK_LONG, RawSockets.SIN6_ADDR + 8, destinationLo);
            sendName.set(ValueLayout.JAVA_INT, RawSockets.SIN6_SCOPE_ID, ifIndex);
            nameLength = RawSockets.SOCKADDR_IN6_SIZE;
            controlLength = RawSockets.cmsgSpace(RawSockets.IN6_PKTINFO_SIZE);
            sendControl.set(ValueLayout.JAVA_LONG, 0, RawSockets.CMSGHDR_SIZE + RawSockets.IN6_PKTINFO_SIZE);
            sendControl.set(ValueLayout.JAVA_INT, 8, RawSockets.IPPROTO_IPV6);
            sendControl.set(ValueLayout.JAVA_INT, 12, RawSockets.IPV6_PKTINFO);
            sendControl.set(NETWORK_LONG, 16, sourceHi);
            sendControl.set(NETWORK_LONG, 24, sourceLo);
            sendControl.set(ValueLayout.JAVA_INT, 32, ifIndex);
        }
        sendHeader.set(ValueLayout.ADDRESS, RawSockets.MSG_NAME, sendName);
        sendHeader.set(ValueLayout.JAVA_INT, RawSockets.MSG_NAMELEN, nameLength);
        sendHeader.set(ValueLayout.ADDRESS, RawSockets.MSG_IOV, sendIov);
        sendHeader.set(ValueLayout.JAVA_LONG, RawSockets.MSG_IOVLEN, 1);
        sendHeader.set(ValueLayout.ADDRESS, RawSockets.MSG_CONTROL, sendControl);
        sendHeader.set(ValueLayout.JAVA_LONG, RawSockets.MSG_CONTROLLEN, controlLength);
        sendHeader.set(ValueLayout.JAVA_INT, RawSockets.MSG_FLAGS, 0);
        return RawSockets.sendmsg(capture, fd, sendHeader, RawSockets.MSG_DONTWAIT);
    }

    @Override
    public void close()
    {
        Libc.close(fd);
        arena.close();
    }
}
