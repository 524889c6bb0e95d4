package io.fulcrum.benchmarks;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.MaglevTable;
import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.dataplane.balance.scheduler.Scheduler;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One pick of each scheduler over backends of mixed weights, some with open work and observed latencies: what a
 * new connection or request pays to choose its backend. Run with {@code -t 2} to see the locked schedulers
 * (round-robin, least-connections) shared by two event loops, and with {@code -prof gc} for the 0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class SchedulerPickBenchmark
{
    @Param({"maglev", "ip-hash", "round-robin", "least-connections", "least-response-time", "random-two-choices"})
    public String scheduler;

    @Param({"4", "64"})
    public int backends;

    private Scheduler picker;

    @Setup
    public void setUp() throws UnknownHostException
    {
        final SplittableRandom random = new SplittableRandom(13);
        final List<Candidate> candidates = new ArrayList<>();
        for (int id = 0; id < backends; id++)
        {
            final InetAddress address = InetAddress.getByAddress(new byte[]{10, 1, (byte)(id >>> 8), (byte)id});
            final BackendLoad load = new BackendLoad();
            for (int open = random.nextInt(8); open > 0; open--)
            {
                load.begin();
            }
            load.observe(TimeUnit.MICROSECONDS.toNanos(200 + random.nextInt(2000)), System.nanoTime());
            candidates.add(new Candidate(new Backend(id, address, 1 + random.nextInt(4), BackendState.ACTIVE, 0), load));
        }
        picker = SchedulerKind.ofYamlName(scheduler).build(candidates, MaglevTable.DEFAULT_SIZE);
    }

    @State(Scope.Thread)
    public static class Hashes
    {
        long next = 0x2545F4914F6CDD1DL;

        long advance()
        {
            next = next * 6364136223846793005L + 1442695040888963407L;
            return next;
        }
    }

    @Benchmark
    public Candidate pick(final Hashes hashes)
    {
        final long hash = hashes.advance();
        return picker.pick(hash, Long.rotateLeft(hash, 31));
    }
}
