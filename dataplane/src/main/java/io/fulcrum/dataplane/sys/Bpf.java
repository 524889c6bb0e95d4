package io.fulcrum.dataplane.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The bpf(2) system call for the few commands Fulcrum needs: create and update maps, load an XDP program, attach it
 * with a BPF link. Names and attribute offsets follow {@code include/uapi/linux/bpf.h} ({@code union bpf_attr});
 * every command is called through {@link Libc#syscall} because glibc has no wrapper. Control-plane only: each call
 * allocates its attribute block in a confined arena.
 */
public final class Bpf
{
    /** __NR_bpf on x86_64 — arch/x86/entry/syscalls/syscall_64.tbl */
    public static final long NR_BPF = 321;

    /* enum bpf_cmd */
    public static final int BPF_MAP_CREATE = 0;
    public static final int BPF_MAP_LOOKUP_ELEM = 1;
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    public static final int BPF_MAP_DELETE_ELEM = 3;
    public static final int BPF_PROG_LOAD = 5;
    public static final int BPF_LINK_CREATE = 28;

    /* enum bpf_map_type */
    public static final int BPF_MAP_TYPE_HASH = 1;
    public static final int BPF_MAP_TYPE_ARRAY = 2;
    public static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int BPF_MAP_TYPE_XSKMAP = 17;

    /* enum bpf_prog_type */
    public static final int BPF_PROG_TYPE_XDP = 6;

    /* enum bpf_attach_type */
    public static final int BPF_XDP = 37;

    /* map update flags */
    public static final long BPF_ANY = 0;
    public static final long BPF_NOEXIST = 1;
    public static final long BPF_EXIST = 2;

    /* XDP attach flags — include/uapi/linux/if_link.h */
    public static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    public static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    public static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    public static final int XDP_FLAGS_HW_MODE = 1 << 3;

    /* struct xdp_md, the context an XDP program gets in r1 */
    public static final int XDP_MD_DATA = 0;
    public static final int XDP_MD_DATA_END = 4;
    public static final int XDP_MD_RX_QUEUE_INDEX = 16;

    /* enum xdp_action */
    public static final int XDP_ABORTED = 0;
    public static final int XDP_DROP = 1;
    public static final int XDP_PASS = 2;
    public static final int XDP_TX = 3;
    public static final int XDP_REDIRECT = 4;

    private static final int ENOENT = 2;
    private static final int ENOSPC = 28;

    /** Large enough for every attribute used here; the kernel accepts a shorter union and zero-fills the rest. */
    private static final int ATTR_SIZE = 128;
    private static final int VERIFIER_LOG_SIZE = 1 << 20;

    private Bpf()
    {
    }

    /** BPF_MAP_CREATE; returns the map's fd. {@code name} (at most 15 characters) shows in bpftool. */
    public static int mapCreate(final int mapType, final int keySize, final int valueSize, final int maxEntries,
        final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, mapType);
            attr.set(ValueLayout.JAVA_INT, 4, keySize);
            attr.set(ValueLayout.JAVA_INT, 8, valueSize);
            attr.set(ValueLayout.JAVA_INT, 12, maxEntries);
            // map_flags @16, inner_map_fd @20, numa_node @24, map_name[16] @28
            putName(attr, 28, name);
            return (int)call(BPF_MAP_CREATE, attr, "BPF_MAP_CREATE " + name);
        }
    }

    /** BPF_MAP_UPDATE_ELEM with {@code flags} (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
    public static void mapUpdateElem(final int mapFd, final MemorySegment key, final MemorySegment value,
        final long flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = elemAttr(arena, mapFd, key, value);
            attr.set(ValueLayout.JAVA_LONG, 24, flags);
            call(BPF_MAP_UPDATE_ELEM, attr, "BPF_MAP_UPDATE_ELEM");
        }
    }

    /** BPF_MAP_DELETE_ELEM; returns false when the key was not there. */
    public static boolean mapDeleteElem(final int mapFd, final MemorySegment key)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final long rc = Libc.syscall(NR_BPF, BPF_MAP_DELETE_ELEM,
                elemAttr(arena, mapFd, key, MemorySegment.NULL).address(), ATTR_SIZE, 0, 0, 0);
            if (rc == -ENOENT)
            {
                return false;
            }
            if (rc < 0)
            {
                throw new NativeException("bpf(BPF_MAP_DELETE_ELEM)", (int)-rc);
            }
            return true;
        }
    }

    /** BPF_MAP_LOOKUP_ELEM into {@code value}; returns false when the key is not there. */
    public static boolean mapLookupElem(final int mapFd, final MemorySegment key, final MemorySegment value)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final long rc = Libc.syscall(NR_BPF, BPF_MAP_LOOKUP_ELEM,
                elemAttr(arena, mapFd, key, value).address(), ATTR_SIZE, 0, 0, 0);
            if (rc == -ENOENT)
            {
                return false;
            }
            if (rc < 0)
            {
                throw new NativeException("bpf(BPF_MAP_LOOKUP_ELEM)", (int)-rc);
            }
            return true;
        }
    }

    /**
     * BPF_PROG_LOAD of {@code insns} (8 bytes per instruction); returns the program's fd. When the verifier refuses
     * the program, the load is repeated with a verifier log, which the thrown {@link BpfVerifierException} carries.
     */
    public static int progLoad(final int progType, final MemorySegment insns, final String license, final String name,
        final int expectedAttachType)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            final MemorySegment licenseString = arena.allocateFrom(license);
            fillProgLoad(attr, progType, insns, licenseString, name, expectedAttachType);
            final long rc = Libc.syscall(NR_BPF, BPF_PROG_LOAD, attr.address(), ATTR_SIZE, 0, 0, 0);
            if (rc >= 0)
            {
                return (int)rc;
            }
            final MemorySegment log = arena.allocate(VERIFIER_LOG_SIZE);
            attr.fill((byte)0);
            fillProgLoad(attr, progType, insns, licenseString, name, expectedAttachType);
            attr.set(ValueLayout.JAVA_INT, 24, 1);
            attr.set(ValueLayout.JAVA_INT, 28, VERIFIER_LOG_SIZE);
            attr.set(ValueLayout.JAVA_LONG, 32, log.address());
            final long retry = Libc.syscall(NR_BPF, BPF_PROG_LOAD, attr.address(), ATTR_SIZE, 0, 0, 0);
            if (retry >= 0)
            {
                Libc.close((int)retry); // loads with a log but not without one: report the first failure anyway
            }
            final int errno = (int)-rc;
            throw new BpfVerifierException(name, errno, retry == -ENOSPC ? "(log truncated) " + log.getString(0)
                : log.getString(0));
        }
    }

    /**
     * BPF_LINK_CREATE attaching an XDP program to an interface; returns the link's fd. The program stays attached
     * while the link fd is open (FACTS: a link dies with its process, so a crash leaves nothing attached).
     */
    public static int linkCreateXdp(final int progFd, final int ifIndex, final int xdpFlags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, progFd);
            attr.set(ValueLayout.JAVA_INT, 4, ifIndex);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_XDP);
            attr.set(ValueLayout.JAVA_INT, 12, xdpFlags);
            return (int)call(BPF_LINK_CREATE, attr, "BPF_LINK_CREATE ifindex " + ifIndex);
        }
    }

    /** Closes a map, program or link fd; -1 is ignored, so that half-built objects can be closed blindly. */
    public static void close(final int fd)
    {
        if (fd >= 0)
        {
            Libc.close(fd);
        }
    }

    private static void fillProgLoad(final MemorySegment attr, final int progType, final MemorySegment insns,
        final MemorySegment license, final String name, final int expectedAttachType)
    {
        attr.set(ValueLayout.JAVA_INT, 0, progType);
        attr.set(ValueLayout.JAVA_INT, 4, (int)(insns.byteSize() / 8));
        attr.set(ValueLayout.JAVA_LONG, 8, insns.address());
        attr.set(ValueLayout.JAVA_LONG, 16, license.address());
        // log_level @24, log_size @28, log_buf @32, kern_version @40, prog_flags @44, prog_name[16] @48,
        // prog_ifindex @64, expected_attach_type @68
        putName(attr, 48, name);
        attr.set(ValueLayout.JAVA_INT, 68, expectedAttachType);
    }

    private static MemorySegment elemAttr(final Arena arena, final int mapFd, final MemorySegment key,
        final MemorySegment value)
    {
        final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(ValueLayout.JAVA_INT, 0, mapFd);
        attr.set(ValueLayout.JAVA_LONG, 8, key.address());
        attr.set(ValueLayout.JAVA_LONG, 16, value.address());
        return attr;
    }

    private static void putName(final MemorySegment attr, final long offset, final String name)
    {
        // BPF object names: at most 15 characters of [A-Za-z0-9_.], NUL-terminated (bpf_obj_name_cpy)
        final int length = Math.min(name.length(), 15);
        for (int i = 0; i < length; i++)
        {
            attr.set(ValueLayout.JAVA_BYTE, offset + i, (byte)name.charAt(i));
        }
    }

    private static long call(final int command, final MemorySegment attr, final String what)
    {
        final long rc = Libc.syscall(NR_BPF, command, attr.address(), ATTR_SIZE, 0, 0, 0);
        if (rc < 0)
        {
            throw new NativeException("bpf(" + what + ")", (int)-rc);
        }
        return rc;
    }

    /**
     * Sums the per-CPU long values a BPF_MAP_TYPE_PERCPU_ARRAY holds at {@code key}: read from user space, the value
     * is one 8-byte slot per possible CPU. 0 when the key is absent.
     */
    public static long perCpuSum(final int mapFd, final int key)
    {
        final int cpus = possibleCpus();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment values = arena.allocate(8L * cpus, 8);
            if (!mapLookupElem(mapFd, arena.allocateFrom(ValueLayout.JAVA_INT, key), values))
            {
                return 0;
            }
            long sum = 0;
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                sum += values.getAtIndex(ValueLayout.JAVA_LONG, cpu);
            }
            return sum;
        }
    }

    /** The number of possible CPUs, as the kernel sizes per-CPU map values: /sys/devices/system/cpu/possible. */
    public static int possibleCpus()
    {
        try
        {
            return highestCpu(java.nio.file.Files.readString(
                java.nio.file.Path.of("/sys/devices/system/cpu/possible"))) + 1;
        }
        catch (final java.io.IOException e)
        {
            throw new IllegalStateException("cannot read the possible CPUs: " + e.getMessage(), e);
        }
    }

    /** The highest CPU number in a kernel CPU list such as "0-3,8-11" (Documentation/admin-guide/cputopology). */
    public static int highestCpu(final String cpuList)
    {
        int highest = 0;
        for (final String range : cpuList.strip().split(","))
        {
            final int dash = range.indexOf('-');
            highest = Math.max(highest, Integer.parseInt(dash < 0 ? range : range.substring(dash + 1)));
        }
        return highest;
    }
}
