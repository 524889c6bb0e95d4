package io.fulcrum.dataplane.port.afxdp;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import io.fulcrum.dataplane.packet.Ethernet;
import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.Libc;

/**
 * An XDP program loaded into the kernel together with the maps it uses, attached to at most one interface through a
 * BPF link: closing it (or the process dying, even by SIGKILL) detaches it, then frees the program and its maps, so a
 * restart never finds a stale program. The lifecycle Fulcrum's programs share: the steering program
 * ({@link XdpProgram}), the backends' decapsulation ({@code decap/XdpDecapProgram}) and the pass program for veth
 * peers ({@link XdpPassProgram}). Not thread-safe.
 */
public abstract class LoadedXdpProgram implements AutoCloseable
{
    /** Let the kernel choose: native (driver) XDP where the driver has it, generic otherwise. */
    public static final int MODE_AUTO = 0;
    /** Generic XDP, on the skb path: works everywhere, slowest, copy-mode sockets only. */
    public static final int MODE_SKB = Bpf.XDP_FLAGS_SKB_MODE;
    /** Native XDP in the driver (veth, most 10G+ NICs). */
    public static final int MODE_DRIVER = Bpf.XDP_FLAGS_DRV_MODE;

    /** The EtherTypes as a BPF_H load of the network-order field reads them. */
    protected static final int ETH_P_IP_LOADED = loaded16(Ethernet.TYPE_IPV4);
    protected static final int ETH_P_IPV6_LOADED = loaded16(Ethernet.TYPE_IPV6);

    private static final int PRESENT = 1;

    private final int[] maps;
    private final int program;
    private final int instructionCount;
    private int link = -1;
    private String interfaceName = "";
    private int ifIndex;
    private boolean closed;

    /**
     * Loads {@code code}, which refers to {@code maps}, through the verifier as {@code name} (at most 15 characters,
     * shown by bpftool). The maps belong to the program from then on: closed with it, or at once when the kernel
     * refuses it ({@link io.fulcrum.dataplane.sys.BpfVerifierException} carries the verifier's log).
     */
    protected LoadedXdpProgram(final String name, final BpfAssembler code, final int... maps)
    {
        this.maps = maps;
        this.instructionCount = code.size();
        try (Arena arena = Arena.ofConfined())
        {
            this.program = Bpf.progLoad(Bpf.BPF_PROG_TYPE_XDP, code.assemble(arena), "GPL", name, Bpf.BPF_XDP);
        }
        catch (final RuntimeException e)
        {
            closeAll(maps);
            throw e;
        }
    }

    /** A map to create: {@code enum bpf_map_type}, key and value sizes in bytes, capacity, name (15 characters). */
    public record MapDefinition(int type, int keySize, int valueSize, int maxEntries, String name)
    {
    }

    /** Creates the maps a program uses, all or none: when one is refused, those made already are closed again. */
    protected static int[] createMaps(final MapDefinition... definitions)
    {
        final int[] fds = new int[definitions.length];
        Arrays.fill(fds, -1);
        try
        {
            for (int i = 0; i < definitions.length; i++)
            {
                final MapDefinition map = definitions[i];
                fds[i] = Bpf.mapCreate(map.type(), map.keySize(), map.valueSize(), map.maxEntries(), map.name());
            }
            return fds;
        }
        catch (final RuntimeException e)
        {
            closeAll(fds);
            throw e;
        }
    }

    /**
     * Attaches the program to {@code ifName}, in the calling thread's network namespace, in {@code mode}
     * ({@link #MODE_AUTO}, {@link #MODE_SKB}, {@link #MODE_DRIVER}). When the interface does not exist, the driver
     * refuses the mode or another program is attached already (EBUSY), the program is closed and the
     * {@link io.fulcrum.dataplane.sys.NativeException} says why.
     */
    protected final void attachTo(final String ifName, final int mode)
    {
        try
        {
            ifIndex = Libc.ifNameToIndex(ifName);
            link = Bpf.linkCreateXdp(program, ifIndex, mode);
            interfaceName = ifName;
        }
        catch (final RuntimeException e)
        {
            close();
            throw e;
        }
    }

    /** Puts {@code key} into the hash map {@code map} as present (value 1). */
    protected static void put(final int map, final byte[] key)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Bpf.mapUpdateElem(map, arena.allocateFrom(ValueLayout.JAVA_BYTE, key),
                arena.allocateFrom(ValueLayout.JAVA_INT, PRESENT), Bpf.BPF_ANY);
        }
    }

    /** Removes {@code key} from the hash map {@code map}; false when it was not there. */
    protected static boolean remove(final int map, final byte[] key)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return Bpf.mapDeleteElem(map, arena.allocateFrom(ValueLayout.JAVA_BYTE, key));
        }
    }

    /** Whether the hash map {@code map} holds {@code key} (reads the kernel's map, not a copy). */
    protected static boolean contains(final int map, final byte[] key)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return Bpf.mapLookupElem(map, arena.allocateFrom(ValueLayout.JAVA_BYTE, key),
                arena.allocate(ValueLayout.JAVA_INT));
        }
    }

    /** A network-order 16-bit value as a BPF_H load reads it from the packet (little-endian: bytes swapped). */
    protected static int loaded16(final int networkOrder)
    {
        return Short.reverseBytes((short)networkOrder) & 0xFFFF;
    }

    /** The interface it is attached to, or "" when only loaded. */
    public final String interfaceName()
    {
        return interfaceName;
    }

    public final int ifIndex()
    {
        return ifIndex;
    }

    /** Instructions in the program the verifier accepted. */
    public final int instructionCount()
    {
        return instructionCount;
    }

    public final boolean attached()
    {
        return link >= 0;
    }

    protected final boolean closed()
    {
        return closed;
    }

    /** Detaches (closes the link), then frees the program and its maps. Idempotent. */
    @Override
    public final void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        Bpf.close(link);
        link = -1;
        Bpf.close(program);
        closeAll(maps);
    }

    private static void closeAll(final int[] fds)
    {
        for (int i = fds.length - 1; i >= 0; i--)
        {
            Bpf.close(fds[i]);
        }
    }
}
