package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Pins threads to cores: a worker that busy-polls must not migrate, nor share its core with the collector. */
public final class Affinity
{
    /** sizeof(cpu_set_t) in glibc: 1024 bits. */
    private static final int CPU_SET_BYTES = 128;

    private Affinity()
    {
    }

    public static void pinCurrentThread(final int cpu)
    {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8)
        {
            throw new IllegalArgumentException("cpu out of range: " + cpu);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            final long word = mask.get(ValueLayout.JAVA_LONG, (cpu / 64) * 8L);
            mask.set(ValueLayout.JAVA_LONG, (cpu / 64) * 8L, word | (1L << (cpu % 64)));
            Libc.schedSetaffinity(mask);
        }
    }
}
