package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * An interface's flags (SIOCGIFFLAGS, netdevice(7)) in the calling thread's network namespace, which /sys/class/net
 * does not follow: VRRP tracks whether its link is up and running.
 */
public final class InterfaceFlags
{
    // linux/sockios.h, linux/if.h
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final int IFF_UP = 0x1;
    public static final int IFF_RUNNING = 0x40;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final long IFR_FLAGS = 16;

    /** int ioctl(int fd, unsigned long request, ...) — sys/ioctl.h; variadic after the request. */
    private static final MethodHandle IOCTL = Linker.nativeLinker().downcallHandle(
        Linker.nativeLinker().defaultLookup().find("ioctl").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    private InterfaceFlags()
    {
    }

    /**
     * The flags of {@code interfaceName} asked through socket {@code fd} (any socket of the namespace), or minus
     * errno (ENODEV when the interface is gone).
     */
    public static int flags(final int fd, final String interfaceName)
    {
        final byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ)
        {
            throw new IllegalArgumentException("interface name must be 1..15 characters: " + interfaceName);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment request = arena.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(name, 0, request, ValueLayout.JAVA_BYTE, 0, name.length);
            final MemorySegment capture = Libc.errnoSegment(arena);
            final int rc = (int)IOCTL.invokeExact(capture, fd, SIOCGIFFLAGS, request);
            return rc == 0 ? Short.toUnsignedInt(request.get(ValueLayout.JAVA_SHORT, IFR_FLAGS)) : -Libc.errno(capture);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("ioctl(SIOCGIFFLAGS) could not be called", t);
        }
    }

    /** Up and running (carrier present): what a VRRP router needs of its link. */
    public static boolean isUpAndRunning(final int flags)
    {
        return flags >= 0 && (flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
    }
}
