package io.fulcrum.benchmarks;

import io.fulcrum.dataplane.balance.MaglevTable;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Time to build a Maglev table of {@link MaglevTable#DEFAULT_SIZE} slots: the control plane rebuilds one per service
 * on every backend change, so this bounds how fast a health-check failure reaches the data plane.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MaglevBuildBenchmark
{
    @Param({"10", "100", "1000"})
    public int backends;

    @Param({"equal", "mixed"})
    public String weights;

    private int[] ids;
    private long[] keys;
    private int[] weight;

    @Setup
    public void setUp()
    {
        final SplittableRandom random = new SplittableRandom(11);
        ids = new int[backends];
        keys = new long[backends];
        weight = new int[backends];
        for (int i = 0; i < backends; i++)
        {
            ids[i] = i;
            keys[i] = random.nextLong();
            weight[i] = "equal".equals(weights) ? 1 : 1 + random.nextInt(100);
        }
    }

    @Benchmark
    public MaglevTable build()
    {
        return MaglevTable.build(ids, keys, weight, MaglevTable.DEFAULT_SIZE);
    }
}
