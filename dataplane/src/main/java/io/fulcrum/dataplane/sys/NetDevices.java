package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Interface facts asked of the kernel with ioctl(2) on a socket, which answers for the socket's own network namespace.
 * (/sys/class/net shows the namespace that mounted sysfs, which is wrong for a thread that entered another one with
 * setns(2); see {@link Namespaces}.)
 */
public final class NetDevices
{
    // linux/sockios.h
    public static final long SIOCGIFMTU = 0x8921;
    public static final long SIOCGIFHWADDR = 0x8927;

    /** struct ifreq (linux/if.h): char ifr_name[IFNAMSIZ] then a 24-byte union. */
    public static final int IFNAMSIZ = 16;
    public static final int IFREQ_SIZE = 40;
    public static final long IFR_MTU = 16;
    /** ifr_hwaddr is a struct sockaddr: sa_family (an ARPHRD_ type, linux/if_arp.h) then sa_data. */
    public static final long IFR_HWADDR_FAMILY = 16;
    public static final long IFR_HWADDR_DATA = 18;
    public static final int ARPHRD_ETHER = 1;

    /** int ioctl(int fd, unsigned long request, ...) — sys/ioctl.h; variadic after the request. */
    private static final MethodHandle IOCTL = Linker.nativeLinker().downcallHandle(
        Linker.nativeLinker().defaultLookup().find("ioctl").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;

    private NetDevices()
    {
    }

    /** The interface's MTU, in the calling thread's network namespace (unlike /sys/class/net). */
    public static int mtu(final String interfaceName)
    {
        final int fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        try
        {
            return mtu(fd, interfaceName);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /** The interface's Ethernet address, in the calling thread's network namespace; 0 if it is not Ethernet. */
    public static long macAddress(final String interfaceName)
    {
        final int fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        try
        {
            return macAddress(fd, interfaceName);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /** The interface's MTU (SIOCGIFMTU), asked through socket {@code fd}. */
    public static int mtu(final int fd, final String interfaceName)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment request = ifreq(arena, interfaceName);
            ioctl(arena, fd, SIOCGIFMTU, request, "ioctl(SIOCGIFMTU, " + interfaceName + ")");
            return request.get(ValueLayout.JAVA_INT, IFR_MTU);
        }
    }

    /**
     * The interface's Ethernet address (SIOCGIFHWADDR) as the low 48 bits of a long, first octet most significant;
     * 0 for an interface that is not Ethernet (loopback).
     */
    public static long macAddress(final int fd, final String interfaceName)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment request = ifreq(arena, interfaceName);
            ioctl(arena, fd, SIOCGIFHWADDR, request, "ioctl(SIOCGIFHWADDR, " + interfaceName + ")");
            if (Short.toUnsignedInt(request.get(ValueLayout.JAVA_SHORT, IFR_HWADDR_FAMILY)) != ARPHRD_ETHER)
            {
                return 0;
            }
            long mac = 0;
            for (int i = 0; i < 6; i++)
            {
                mac = (mac << 8) | Byte.toUnsignedLong(request.get(ValueLayout.JAVA_BYTE, IFR_HWADDR_DATA + i));
            }
            return mac;
        }
    }

    private static MemorySegment ifreq(final Arena arena, final String interfaceName)
    {
        final byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ)
        {
            throw new IllegalArgumentException("interface name must be 1.." + (IFNAMSIZ - 1) + " characters: "
                + interfaceName);
        }
        final MemorySegment request = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(name, 0, request, ValueLayout.JAVA_BYTE, 0, name.length);
        return request;
    }

    private static void ioctl(final Arena arena, final int fd, final long request, final MemorySegment argument,
        final String what)
    {
        final MemorySegment capture = Libc.errnoSegment(arena);
        final int rc;
        try
        {
            rc = (int)IOCTL.invokeExact(capture, fd, request, argument);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ioctl could not be called", t);
        }
        if (rc != 0)
        {
            throw new NativeException(what, Libc.errno(capture));
        }
    }
}
