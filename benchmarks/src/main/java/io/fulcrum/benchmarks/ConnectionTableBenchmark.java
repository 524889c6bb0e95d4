package io.fulcrum.benchmarks;

import io.fulcrum.dataplane.flow.ConnectionTable;
import io.fulcrum.dataplane.flow.ConnectionTableFile;
import io.fulcrum.dataplane.flow.FlowKey;
import io.fulcrum.dataplane.flow.Timeouts;
import net.openhft.chronicle.map.ChronicleMap;
import org.agrona.collections.Long2LongHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Random lookup hits (a flow already in the table, as for every packet after a connection's first): our off-heap
 * {@link ConnectionTable} against chronicle-map (an off-heap map with a 40-byte key, the 5-tuple as bytes) and Agrona's
 * {@link Long2LongHashMap} keyed by the 64-bit flow hash alone (a lower bound: no full-key compare). Each operation
 * fills the key from the flow's fields, hashes it and looks it up. With 10 000 flows the tables stay in cache; with
 * 1 000 000 each lookup is a cache miss (and usually a TLB miss), which is what a busy balancer sees.
 *
 * <p>{@code memory}: where Fulcrum's table lives, anonymous memory (replay, tests) or a file mapped from /dev/shm (what
 * {@code fulcrum run} uses so that flows survive a restart); only {@link #connectionTable} reads it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "-Xmx4g",
    "--enable-native-access=ALL-UNNAMED",
    // Agrona 2.x
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
    // chronicle-map 3.22 on JDK 25 (Chronicle's documented set for JDK 17+), and no analytics call at start
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.util=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow",
    "-Dchronicle.analytics.disable=true",
    "-Dchronicle.disk.monitor.disable=true"})
@State(Scope.Thread)
public class ConnectionTableBenchmark
{
    private static final VarHandle LONG_BYTES = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final int KEY_BYTES = 40;
    private static final int ORDER_SIZE = 1 << 20;

    @Param({"10000", "1000000"})
    public int flows;

    @Param({"anonymous", "mapped"})
    public String memory;

    private Path mappedDirectory;

    private long[] srcLo;
    private int[] srcPort;
    private int[] order;
    private int cursor;

    private final FlowKey key = new FlowKey();
    private final byte[] keyBytes = new byte[KEY_BYTES];
    private ConnectionTable connectionTable;
    private ChronicleMap<byte[], Integer> chronicleMap;
    private Long2LongHashMap long2Long;

    @Setup(Level.Trial)
    public void setUp()
    {
        final SplittableRandom random = new SplittableRandom(7);
        srcLo = new long[flows];
        srcPort = new int[flows];
        for (int i = 0; i < flows; i++)
        {
            srcLo[i] = 0xffff_0000_0000L | random.nextInt() & 0xffff_ffffL; // an IPv4-mapped client
            srcPort[i] = 1024 + random.nextInt(64_512);
        }
        order = new int[ORDER_SIZE];
        for (int i = 0; i < ORDER_SIZE; i++)
        {
            order[i] = random.nextInt(flows);
        }

        if ("mapped".equals(memory))
        {
            try
            {
                mappedDirectory = Files.createTempDirectory(Path.of("/dev/shm"), "fulcrum-bench-");
            }
            catch (final IOException e)
            {
                throw new IllegalStateException(e);
            }
            connectionTable = ConnectionTableFile.create(mappedDirectory.resolve("connections.0"), 0,
                ConnectionTable.slotsFor(flows * 2), Timeouts.DEFAULTS);
        }
        else
        {
            connectionTable = new ConnectionTable(flows * 2, Timeouts.DEFAULTS);
        }
        chronicleMap = ChronicleMap.of(byte[].class, Integer.class)
            .name("flows")
            .constantKeySizeBySample(new byte[KEY_BYTES])
            .entries(flows)
            .create();
        long2Long = new Long2LongHashMap(flows * 2, 0.65f, -1);
        for (int i = 0; i < flows; i++)
        {
            fill(i);
            final long hash = key.hash();
            // Backend ids below 128 keep chronicle-map's Integer values in the JDK's cache: no allocation per get.
            final int backend = i & 127;
            connectionTable.insert(key, hash, backend, 0);
            chronicleMap.put(keyBytes.clone(), backend);
            long2Long.put(hash, backend);
        }
        // At half load a few inserts in a million find no room near home (ConnectionTable's Javadoc); they miss.
        if (connectionTable.size() < flows - flows / 1000 || chronicleMap.size() != flows)
        {
            throw new IllegalStateException("lost flows: table " + connectionTable.size() + ", chronicle " +
                chronicleMap.size() + " of " + flows);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        connectionTable.close();
        chronicleMap.close();
        if (mappedDirectory != null)
        {
            try
            {
                Files.deleteIfExists(mappedDirectory.resolve("connections.0"));
                Files.deleteIfExists(mappedDirectory);
            }
            catch (final IOException e)
            {
                throw new IllegalStateException(e);
            }
        }
    }

    @Benchmark
    public int connectionTable()
    {
        fill(next());
        return connectionTable.lookup(key, key.hash(), 1);
    }

    @Benchmark
    public Integer chronicleMap()
    {
        fill(next());
        return chronicleMap.get(keyBytes);
    }

    @Benchmark
    public long agronaLong2LongHashMap()
    {
        fill(next());
        return long2Long.get(key.hash());
    }

    private int next()
    {
        return order[cursor++ & (ORDER_SIZE - 1)];
    }

    // What a worker does per packet: the fields come from the headers (here from arrays), into the key holder and,
    // for chronicle-map, into a reusable byte array.
    private void fill(final int i)
    {
        final long client = srcLo[i];
        final int port = srcPort[i];
        final long vip = 0xffff_cb00_7107L;
        key.set(0, client, 0, vip, port, 443, 6);
        LONG_BYTES.set(keyBytes, 0, 0L);
        LONG_BYTES.set(keyBytes, 8, client);
        LONG_BYTES.set(keyBytes, 16, 0L);
        LONG_BYTES.set(keyBytes, 24, vip);
        LONG_BYTES.set(keyBytes, 32, (long)port << 24 | 443L << 8 | 6);
    }
}
