package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Raw IP sockets (raw(7), ip(7), ipv6(7)) as VRRP uses them: multicast membership, TTL / hop limit on send and on
 * receipt (ancillary data through recvmsg(2)), the source address through IP_PKTINFO / IPV6_PKTINFO on sendmsg(2),
 * and SO_BINDTODEVICE. Constants and layouts are named as {@code linux/in.h}, {@code linux/in6.h},
 * {@code linux/ipv6.h}, {@code bits/socket.h} and {@code asm-generic/socket.h} name them; layouts are x86-64/aarch64
 * (LP64).
 */
public final class RawSockets
{
    // bits/socket.h, linux/in.h
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_IPV6 = 41;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_CTRUNC = 0x08;

    // asm-generic/socket.h
    public static final int SO_RCVBUF = 8;
    public static final int SO_BINDTODEVICE = 25;
    public static final int SO_ATTACH_FILTER = 26;
    /** linux/bpf_common.h: a return instruction with a constant operand. */
    private static final int BPF_RET = 0x06;
    private static final int BPF_K = 0x00;

    // linux/in.h: IPPROTO_IP level options
    public static final int IP_TTL = 2;
    public static final int IP_PKTINFO = 8;
    public static final int IP_RECVTTL = 12;
    public static final int IP_MULTICAST_IF = 32;
    public static final int IP_MULTICAST_TTL = 33;
    public static final int IP_MULTICAST_LOOP = 34;
    public static final int IP_ADD_MEMBERSHIP = 35;

    // linux/in6.h: IPPROTO_IPV6 level options
    public static final int IPV6_UNICAST_HOPS = 16;
    public static final int IPV6_MULTICAST_IF = 17;
    public static final int IPV6_MULTICAST_HOPS = 18;
    public static final int IPV6_MULTICAST_LOOP = 19;
    public static final int IPV6_ADD_MEMBERSHIP = 20; // IPV6_JOIN_GROUP
    public static final int IPV6_RECVPKTINFO = 49;
    public static final int IPV6_PKTINFO = 50;
    public static final int IPV6_RECVHOPLIMIT = 51;
    public static final int IPV6_HOPLIMIT = 52;

    /** struct sockaddr_in: family, port (big-endian), address, 8 bytes of zero. */
    public static final int SOCKADDR_IN_SIZE = 16;
    /** struct sockaddr_in6: family, port, flowinfo, address (16), scope_id. */
    public static final int SOCKADDR_IN6_SIZE = 28;
    public static final long SIN6_ADDR = 8;
    public static final long SIN6_SCOPE_ID = 24;

    /** struct msghdr (LP64): name, namelen, iov, iovlen, control, controllen, flags. */
    public static final int MSGHDR_SIZE = 56;
    public static final long MSG_NAME = 0;
    public static final long MSG_NAMELEN = 8;
    public static final long MSG_IOV = 16;
    public static final long MSG_IOVLEN = 24;
    public static final long MSG_CONTROL = 32;
    public static final long MSG_CONTROLLEN = 40;
    public static final long MSG_FLAGS = 48;
    /** struct iovec: base, len. */
    public static final int IOVEC_SIZE = 16;
    /** struct cmsghdr: cmsg_len (size_t), cmsg_level, cmsg_type, then data at CMSG_ALIGN(16). */
    public static final int CMSGHDR_SIZE = 16;
    /** struct in_pktinfo: ipi_ifindex, ipi_spec_dst, ipi_addr. */
    public static final int IN_PKTINFO_SIZE = 12;
    /** struct in6_pktinfo: ipi6_addr, ipi6_ifindex. */
    public static final int IN6_PKTINFO_SIZE = 20;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfInt NETWORK_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong NETWORK_LONG =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** ssize_t recvmsg(int fd, struct msghdr *msg, int flags) — sys/socket.h */
    private static final MethodHandle RECVMSG = Libc.downcall("recvmsg",
        FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, INT));
    /** ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) — sys/socket.h */
    private static final MethodHandle SENDMSG = Libc.downcall("sendmsg",
        FunctionDescriptor.of(LONG, INT, ValueLayout.ADDRESS, INT));

    private RawSockets()
    {
    }

    /** A raw socket of {@code family} for IP protocol {@code protocol}, non-blocking and close-on-exec. */
    public static int open(final int family, final int protocol)
    {
        return Libc.socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    }

    /** SO_BINDTODEVICE: only packets of this interface are received, and sent packets leave through it. */
    public static void bindToDevice(final int fd, final String interfaceName)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
            final MemorySegment value = arena.allocate(name.length + 1);
            MemorySegment.copy(name, 0, value, ValueLayout.JAVA_BYTE, 0, name.length);
            Libc.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, value, "SO_BINDTODEVICE " + interfaceName);
        }
    }

    /**
     * SO_ATTACH_FILTER with a one-instruction classic BPF program, {@code ret #0}: the kernel drops every packet
     * before it is queued, for a socket that only sends.
     */
    public static void dropEverythingReceived(final int fd)
    {
        attachFilter(fd, new long[] {(long)(BPF_RET | BPF_K) << 48});
    }

    /**
     * SO_ATTACH_FILTER: the kernel runs this classic BPF program on each packet before it is queued, replacing the
     * filter attached before. One instruction per long, as {@code code << 48 | jt << 40 | jf << 32 | k} (linux/filter.h:
     * struct sock_filter {u16 code; u8 jt, jf; u32 k}, struct sock_fprog {u16 len; struct sock_filter *filter}).
     */
    public static void attachFilter(final int fd, final long[] program)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment instructions = arena.allocate(8L * program.length, 4);
            for (int i = 0; i < program.length; i++)
            {
                final long instruction = program[i];
                instructions.set(ValueLayout.JAVA_SHORT, 8L * i, (short)(instruction >>> 48));
                instructions.set(ValueLayout.JAVA_BYTE, 8L * i + 2, (byte)(instruction >>> 40));
                instructions.set(ValueLayout.JAVA_BYTE, 8L * i + 3, (byte)(instruction >>> 32));
                instructions.set(ValueLayout.JAVA_INT, 8L * i + 4, (int)instruction);
            }
            final MemorySegment fprog = arena.allocate(16, 8);
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short)program.length);
            fprog.set(ValueLayout.ADDRESS, 8, instructions);
            Libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, "SO_ATTACH_FILTER");
        }
    }

    /** IP_ADD_MEMBERSHIP with a struct ip_mreqn {imr_multiaddr, imr_address, imr_ifindex} (linux/in.h). */
    public static void joinIpv4Group(final int fd, final int group, final int ifIndex)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Libc.setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(arena, group, ifIndex), "IP_ADD_MEMBERSHIP");
        }
    }

    /** IP_MULTICAST_IF with a struct ip_mreqn naming the interface by index. */
    public static void ipv4MulticastInterface(final int fd, final int ifIndex)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Libc.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, ipMreqn(arena, 0, ifIndex), "IP_MULTICAST_IF");
        }
    }

    /** IPV6_JOIN_GROUP with a struct ipv6_mreq {ipv6mr_multiaddr, ipv6mr_interface} (linux/in6.h). */
    public static void joinIpv6Group(final int fd, final long groupHi, final long groupLo, final int ifIndex)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment request = arena.allocate(20, 4);
            request.set(NETWORK_LONG, 0, groupHi);
            request.set(NETWORK_LONG, 8, groupLo);
            request.set(INT, 16, ifIndex);
            Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, request, "IPV6_JOIN_GROUP");
        }
    }

    private static MemorySegment ipMreqn(final Arena arena, final int group, final int ifIndex)
    {
        final MemorySegment request = arena.allocate(12, 4);
        request.set(NETWORK_INT, 0, group);
        request.set(INT, 8, ifIndex);
        return request;
    }

    /** A struct sockaddr_in for {@code address} (host order), port 0. */
    public static MemorySegment sockaddrIn(final Arena arena, final int address)
    {
        final MemorySegment sockaddr = arena.allocate(SOCKADDR_IN_SIZE, 4);
        sockaddr.set(ValueLayout.JAVA_SHORT, 0, (short)AF_INET);
        sockaddr.set(NETWORK_INT, 4, address);
        return sockaddr;
    }

    /** A struct sockaddr_in6 for the address {@code hi}:{@code lo} with a scope (interface index) for link-local. */
    public static MemorySegment sockaddrIn6(final Arena arena, final long hi, final long lo, final int scopeId)
    {
        final MemorySegment sockaddr = arena.allocate(SOCKADDR_IN6_SIZE, 4);
        sockaddr.set(ValueLayout.JAVA_SHORT, 0, (short)AF_INET6);
        sockaddr.set(NETWORK_LONG, SIN6_ADDR, hi);
        sockaddr.set(NETWORK_LONG, SIN6_ADDR + 8, lo);
        sockaddr.set(INT, SIN6_SCOPE_ID, scopeId);
        return sockaddr;
    }

    /** CMSG_SPACE(length) on LP64: header plus data, aligned to 8. */
    public static int cmsgSpace(final int length)
    {
        return CMSGHDR_SIZE + ((length + 7) & ~7);
    }

    /** recvmsg(2) without raising: the byte count, or minus errno. {@code capture} is a caller-owned errno segment. */
    public static long recvmsg(final MemorySegment capture, final int fd, final MemorySegment msghdr, final int flags)
    {
        try
        {
            final long rc = (long)RECVMSG.invokeExact(capture, fd, msghdr, flags);
            return rc >= 0 ? rc : -Libc.errno(capture);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("recvmsg could not be called", t);
        }
    }

    /** sendmsg(2) without raising: the byte count, or minus errno. */
    public static long sendmsg(final MemorySegment capture, final int fd, final MemorySegment msghdr, final int flags)
    {
        try
        {
            final long rc = (long)SENDMSG.invokeExact(capture, fd, msghdr, flags);
            return rc >= 0 ? rc : -Libc.errno(capture);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("sendmsg could not be called", t);
        }
    }
}
