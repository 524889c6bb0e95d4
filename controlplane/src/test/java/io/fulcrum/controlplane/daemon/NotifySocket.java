package io.fulcrum.controlplane.daemon;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.fulcrum.dataplane.sys.Libc;

/** What systemd listens on for sd_notify: a bound AF_UNIX datagram socket (a path, or {@code @name}: abstract). */
final class NotifySocket implements AutoCloseable
{
    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.errnoSegment(arena);
    private final MemorySegment buffer = arena.allocate(4096);
    private final MemorySegment pollFd = arena.allocate(8);
    private final String name;
    private final int fd;

    NotifySocket(final String name)
    {
        this.name = name;
        final byte[] path = name.getBytes(StandardCharsets.UTF_8);
        final boolean abstractName = path[0] == '@';
        final MemorySegment address = arena.allocate(2 + path.length + (abstractName ? 0 : 1));
        address.set(ValueLayout.JAVA_SHORT, 0, (short)1);
        MemorySegment.copy(path, 0, address, ValueLayout.JAVA_BYTE, 2, path.length);
        if (abstractName)
        {
            address.set(ValueLayout.JAVA_BYTE, 2, (byte)0);
        }
        fd = Libc.socket(1, 2 | 0x80000, 0);
        Libc.bind(fd, address);
    }

    String name()
    {
        return name;
    }

    /** The next datagram within {@code timeoutMs}, or null. */
    String receive(final int timeoutMs)
    {
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, 4, (short)1); // POLLIN
        if (Libc.poll(capture, pollFd, 1, timeoutMs) <= 0)
        {
            return null;
        }
        final long length = Libc.recvfrom(capture, fd, buffer, buffer.byteSize(), 0, MemorySegment.NULL,
            MemorySegment.NULL);
        if (length < 0)
        {
            throw new IllegalStateException("recvfrom: " + Libc.strerror((int)-length));
        }
        return new String(buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception
    {
        Libc.close(fd);
        arena.close();
        if (!name.startsWith("@"))
        {
            Files.deleteIfExists(Path.of(name));
        }
    }
}
