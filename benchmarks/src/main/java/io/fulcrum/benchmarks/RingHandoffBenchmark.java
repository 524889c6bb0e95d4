package io.fulcrum.benchmarks;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Hand-off of frame indices from one thread to another (a receive worker passing frames to a transmit worker, or
 * frames returning to their owner) through a single-producer single-consumer queue of 1024 entries. Producer and
 * consumer never wait inside an operation: an {@code offer} on a full queue or a {@code poll} on an empty one is a
 * failed operation, and the {@code sent} and {@code received} counters (operations per microsecond) count only the
 * successful ones, so {@code received} is the hand-off rate. The queues hold objects; the frame indices are boxed once
 * in advance, so nothing is allocated per message. Agrona's {@link OneToOneRingBuffer} copies a 16-byte message (frame
 * offset and length) into and out of off-heap memory instead, the shape a ring shared across processes would have.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RingHandoffBenchmark
{
    private static final int CAPACITY = 1024;
    private static final Integer[] FRAMES = new Integer[CAPACITY];

    static
    {
        for (int i = 0; i < CAPACITY; i++)
        {
            FRAMES[i] = i;
        }
    }

    @State(Scope.Group)
    public static class Queues
    {
        final SpscArrayQueue<Integer> jctools = new SpscArrayQueue<>(CAPACITY);
        final OneToOneConcurrentArrayQueue<Integer> agrona = new OneToOneConcurrentArrayQueue<>(CAPACITY);
        // 1024 records of 16 bytes plus the 8-byte record header each, aligned to 8: 24 KiB (a power of two: 32 KiB).
        final OneToOneRingBuffer ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect((32 * 1024) + RingBufferDescriptor.TRAILER_LENGTH)));
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
    }

    @State(Scope.Thread)
    public static class Reader implements MessageHandler
    {
        long lastOffset;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            lastOffset = buffer.getLong(index) + buffer.getLong(index + 8);
        }
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Sent
    {
        public long sent;
        int next;

        @Setup(Level.Iteration)
        public void reset()
        {
            sent = 0;
        }
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Received
    {
        public long received;

        @Setup(Level.Iteration)
        public void reset()
        {
            received = 0;
        }
    }

    @Benchmark
    @Group("jctoolsSpsc")
    @GroupThreads(1)
    public boolean jctoolsOffer(final Queues queues, final Sent sent)
    {
        final boolean offered = queues.jctools.offer(FRAMES[sent.next & (CAPACITY - 1)]);
        if (offered)
        {
            sent.next++;
            sent.sent++;
        }
        return offered;
    }

    @Benchmark
    @Group("jctoolsSpsc")
    @GroupThreads(1)
    public Integer jctoolsPoll(final Queues queues, final Received received)
    {
        final Integer frame = queues.jctools.poll();
        if (frame != null)
        {
            received.received++;
        }
        return frame;
    }

    @Benchmark
    @Group("agronaOneToOne")
    @GroupThreads(1)
    public boolean agronaOffer(final Queues queues, final Sent sent)
    {
        final boolean offered = queues.agrona.offer(FRAMES[sent.next & (CAPACITY - 1)]);
        if (offered)
        {
            sent.next++;
            sent.sent++;
        }
        return offered;
    }

    @Benchmark
    @Group("agronaOneToOne")
    @GroupThreads(1)
    public Integer agronaPoll(final Queues queues, final Received received)
    {
        final Integer frame = queues.agrona.poll();
        if (frame != null)
        {
            received.received++;
        }
        return frame;
    }

    @Benchmark
    @Group("agronaRingBuffer")
    @GroupThreads(1)
    public boolean ringBufferWrite(final Queues queues, final Sent sent)
    {
        final UnsafeBuffer message = queues.message;
        message.putLong(0, (long)(sent.next & (CAPACITY - 1)) * 2048);
        message.putLong(8, 1514);
        final boolean written = queues.ringBuffer.write(1, message, 0, 16);
        if (written)
        {
            sent.next++;
            sent.sent++;
        }
        return written;
    }

    @Benchmark
    @Group("agronaRingBuffer")
    @GroupThreads(1)
    public long ringBufferRead(final Queues queues, final Reader reader, final Received received)
    {
        final int read = queues.ringBuffer.read(reader, 1);
        received.received += read;
        return reader.lastOffset;
    }
}
