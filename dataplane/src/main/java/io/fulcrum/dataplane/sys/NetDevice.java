package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * An interface's MTU and Ethernet address through ioctl(2) on a throw-away UDP socket (SIOCGIFMTU, SIOCGIFHWADDR —
 * include/uapi/linux/sockios.h, struct ifreq in linux/if.h). Unlike /sys/class/net, which shows the namespace that
 * mounted sysfs, this answers for the calling thread's network namespace. ioctl is called through syscall(2) since
 * glibc's ioctl is variadic.
 */
public final class NetDevice
{
    private static final long NR_IOCTL = 16;
    private static final int SIOCGIFMTU = 0x8921;
    private static final int SIOCGIFHWADDR = 0x8927;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** sizeof(struct ifreq): char ifr_name[16] then a 24-byte union */
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;

    private NetDevice()
    {
    }

    public static int mtu(final String ifName)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment ifreq = ioctl(arena, ifName, SIOCGIFMTU, "SIOCGIFMTU");
            return ifreq.get(ValueLayout.JAVA_INT, IFNAMSIZ);
        }
    }

    /** The Ethernet address as the low 48 bits of a long, first octet most significant. */
    public static long macAddress(final String ifName)
    {
        try (Arena arena = Arena.ofConfined())
        {
            // ifr_hwaddr is a struct sockaddr: sa_family (2 bytes), then the address in sa_data
            final MemorySegment ifreq = ioctl(arena, ifName, SIOCGIFHWADDR, "SIOCGIFHWADDR");
            long mac = 0;
            for (int i = 0; i < 6; i++)
            {
                mac = (mac << 8) | (ifreq.get(ValueLayout.JAVA_BYTE, IFNAMSIZ + 2 + i) & 0xFF);
            }
            return mac;
        }
    }

    private static MemorySegment ioctl(final Arena arena, final String ifName, final int request, final String what)
    {
        final byte[] name = ifName.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ)
        {
            throw new IllegalArgumentException("interface name too long: " + ifName);
        }
        final MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(name, 0, ifreq, ValueLayout.JAVA_BYTE, 0, name.length);
        final int fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        try
        {
            final long rc = Libc.syscall(NR_IOCTL, fd, request, ifreq.address(), 0, 0, 0);
            if (rc < 0)
            {
                throw new NativeException("ioctl(" + what + ", " + ifName + ")", (int)-rc);
            }
            return ifreq;
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
