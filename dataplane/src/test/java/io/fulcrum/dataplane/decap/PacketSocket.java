package io.fulcrum.dataplane.decap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Predicate;

import io.fulcrum.dataplane.sys.Libc;

/**
 * An AF_PACKET socket bound to one interface (packet(7)): sends frames as they are and captures every frame the
 * interface receives or sends, after XDP has run. Open it inside the namespace that holds the interface; it may be
 * used from any thread afterwards.
 */
final class PacketSocket implements AutoCloseable
{
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** ETH_P_ALL — linux/if_ether.h, in network order as sockaddr_ll and socket() take it */
    private static final short ETH_P_ALL_BE = (short)0x0300;
    private static final short POLLIN = 1;
    private static final int SOCKADDR_LL_SIZE = 20;

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final MemorySegment address;
    private final MemorySegment buffer = arena.allocate(65536, 8);

    private PacketSocket(final String ifName)
    {
        final int ifIndex = Libc.ifNameToIndex(ifName);
        fd = Libc.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, ETH_P_ALL_BE & 0xFFFF);
        // struct sockaddr_ll — linux/if_packet.h: family, protocol (big-endian), ifindex, hatype, pkttype, halen,
        // addr[8]
        address = arena.allocate(SOCKADDR_LL_SIZE, 4);
        address.set(ValueLayout.JAVA_SHORT, 0, (short)AF_PACKET);
        address.set(ValueLayout.JAVA_SHORT, 2, ETH_P_ALL_BE);
        address.set(ValueLayout.JAVA_INT, 4, ifIndex);
        address.set(ValueLayout.JAVA_BYTE, 11, (byte)6);
        Libc.bind(fd, address);
    }

    /** Opens and binds a socket on {@code ifName} in the calling thread's network namespace. */
    static PacketSocket open(final String ifName)
    {
        return new PacketSocket(ifName);
    }

    void send(final byte[] frame)
    {
        try (Arena call = Arena.ofConfined())
        {
            final long sent = Libc.sendto(Libc.errnoSegment(call), fd, call.allocateFrom(ValueLayout.JAVA_BYTE, frame),
                frame.length, 0, address, SOCKADDR_LL_SIZE);
            if (sent != frame.length)
            {
                throw new IllegalStateException("AF_PACKET sendto returned " + sent);
            }
        }
    }

    /** The first frame that {@code wanted} accepts, or null when none came within {@code timeoutMillis}. */
    byte[] next(final Predicate<byte[]> wanted, final long timeoutMillis)
    {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(call);
            final MemorySegment pollFd = call.allocate(8, 4); // struct pollfd {int fd; short events, revents}
            while (true)
            {
                final long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0)
                {
                    return null;
                }
                pollFd.set(ValueLayout.JAVA_INT, 0, fd);
                pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
                pollFd.set(ValueLayout.JAVA_SHORT, 6, (short)0);
                if (Libc.poll(capture, pollFd, 1, (int)left) <= 0)
                {
                    continue;
                }
                final long length = Libc.recvfrom(capture, fd, buffer, buffer.byteSize(), 0, MemorySegment.NULL,
                    MemorySegment.NULL);
                if (length > 0)
                {
                    final byte[] frame = buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
                    if (wanted.test(frame))
                    {
                        return frame;
                    }
                }
            }
        }
    }

    @Override
    public void close()
    {
        Libc.close(fd);
        arena.close();
    }
}
