package io.fulcrum.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import io.fulcrum.dataplane.flow.ConnectionTable;
import io.fulcrum.dataplane.flow.Timeouts;
import io.fulcrum.dataplane.forward.EncapsulationSettings;
import io.fulcrum.dataplane.forward.Forwarder;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Verdict;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.CountersRegistry;
import io.fulcrum.dataplane.stats.WorkerCounters;

/**
 * The per-packet cost of the forwarding core on one core: a batch of 64-byte TCP packets to a VIP, each parsed,
 * matched, looked up (or, for new flows, picked by Maglev and inserted) and IPIP-encapsulated, with counters.
 * Each operation first copies the 60-byte frame into its slot, as a NIC's DMA would have written it (the encapsulation
 * rewrites the slot in place), so the figure includes that copy.
 *
 * <ul>
 * <li>{@code hit}: every packet belongs to an established flow; {@code flows} sets how many distinct flows the
 * batches cycle through (1 024: the table stays in cache; 1 048 576: most lookups miss the cache);</li>
 * <li>{@code newFlow}: every packet starts a flow never seen before (Maglev pick + insert; the table fills and
 * then evicts, as a table under a flood of new flows would).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class ForwardingBenchmark
{
    private static final int BATCH = 64;
    private static final int SLOT = 2048;
    private static final int HEADROOM = 256;
    /** A minimum-size Ethernet frame: 64 bytes on the wire are 60 bytes of frame and a 4-byte FCS. */
    private static final int FRAME = 60;
    private static final int STRIDE = 64;
    private static final String VIP = "192.0.2.10";
    /** Offset of the IPv4 source address in an untagged frame (Ethernet 14 + 12). */
    private static final long SOURCE_ADDRESS = 26;
    /** Offset of the TCP source port (Ethernet 14 + IPv4 20). */
    private static final long SOURCE_PORT = 34;
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    @Param({"1024", "1048576"})
    public int flows;

    /** The service's scheduler for new flows; the others by {@code -p scheduler=maglev,round-robin,...}. */
    @Param({"maglev"})
    public String scheduler;

    private Arena arena;
    private MemorySegment frames;   // one pre-built frame per flow, 64 bytes apart
    private MemorySegment slots;    // BATCH slots of SLOT bytes: the "UMEM"
    private PacketBatch batch;
    private Forwarder forwarder;
    private ConnectionTable connections;
    private ForwardingTable table;
    private int next;
    private int newFlowSequence;
    private long now = 1_000_000;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        arena = Arena.ofShared();
        final List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            backends.add(new Backend(i, InetAddress.getByName("10.0.0." + (11 + i)), 100, BackendState.ACTIVE,
                0x02_00_00_00_01_00L + i));
        }
        final List<Service> services = List.of(new Service(0, "web", InetAddress.getByName(VIP), 80, Service.TCP,
            Encapsulation.IPIP, SchedulerKind.ofYamlName(scheduler), 65537, backends));
        final CountersRegistry registry = new CountersRegistry(CountersFile.inMemory(1024));
        final WorkerCounters counters = registry.newWorker();
        registry.ensure(services);
        table = ForwardingTable.of(1, services);
        connections = new ConnectionTable(Math.max(2 * flows, 1 << 16), Timeouts.DEFAULTS);
        forwarder = new Forwarder(EncapsulationSettings.defaults(), connections, counters, 1500, FrameBuilder.BALANCER_MAC);

        final byte[] template = FrameBuilder.ipv4("198.51.100.1", VIP).tcp(1024, 80, Tcp.ACK).build();
        if (template.length != FRAME)
        {
            throw new IllegalStateException("template frame is " + template.length + " bytes, expected " + FRAME);
        }
        frames = arena.allocate((long)flows * STRIDE, 64);
        for (int flow = 0; flow < flows; flow++)
        {
            final long at = (long)flow * STRIDE;
            MemorySegment.copy(MemorySegment.ofArray(template), 0, frames, at, FRAME);
            frames.set(INT_BE, at + SOURCE_ADDRESS, 0xc6336400 + (flow >>> 16)); // 198.51.100.0 + high bits
            frames.set(SHORT_BE, at + SOURCE_PORT, (short)(flow & 0xffff));
        }
        slots = arena.allocate((long)BATCH * SLOT, SLOT);
        batch = new PacketBatch(BATCH);
        // Establish every flow once, so that the hit path finds them all.
        for (int i = 0; i < flows; i += BATCH)
        {
            hit();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        connections.close();
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int hit()
    {
        batch.reset(slots, SLOT);
        for (int i = 0; i < BATCH; i++)
        {
            final long slot = (long)i * SLOT + HEADROOM;
            MemorySegment.copy(frames, (long)next * STRIDE, slots, slot, FRAME);
            batch.add(slot, FRAME);
            if (++next == flows)
            {
                next = 0;
            }
        }
        forwarder.process(batch, table, now);
        return verdicts();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int newFlow()
    {
        batch.reset(slots, SLOT);
        for (int i = 0; i < BATCH; i++)
        {
            final long slot = (long)i * SLOT + HEADROOM;
            MemorySegment.copy(frames, 0, slots, slot, FRAME);
            final int sequence = newFlowSequence++;
            slots.set(INT_BE, slot + SOURCE_ADDRESS, 0x0a000000 | (sequence >>> 16)); // 10.x.y.z: never a hit flow
            slots.set(SHORT_BE, slot + SOURCE_PORT, (short)sequence);
            batch.add(slot, FRAME);
        }
        forwarder.process(batch, table, now);
        return verdicts();
    }

    /** Consumes the verdicts (and checks them: a benchmark of dropped packets would measure the wrong path). */
    private int verdicts()
    {
        int transmitted = 0;
        for (int i = 0; i < BATCH; i++)
        {
            transmitted += batch.verdict(i) == Verdict.TRANSMIT ? 1 : 0;
        }
        if (transmitted != BATCH)
        {
            throw new IllegalStateException("only " + transmitted + " of " + BATCH + " packets were forwarded");
        }
        return transmitted;
    }
}
