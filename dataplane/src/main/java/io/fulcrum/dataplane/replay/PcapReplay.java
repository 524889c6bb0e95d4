package io.fulcrum.dataplane.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import org.agrona.concurrent.EpochClock;

import io.fulcrum.dataplane.Dataplane;
import io.fulcrum.dataplane.DataplaneSettings;
import io.fulcrum.dataplane.agent.ForwardingAgent;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.port.FrameSink;
import io.fulcrum.dataplane.port.InMemoryPort;
import io.fulcrum.dataplane.port.pcap.PcapReader;
import io.fulcrum.dataplane.port.pcap.PcapWriter;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CountersFile;

/**
 * Runs a capture through the real forwarding core, as Katran's simulator does: the same worker, forwarder and
 * tables as the live path, on an in-memory port, with the capture's own timestamps as the clock (so idle timeouts
 * behave as they would have). Writes the frames Fulcrum would transmit to a capture and returns the counters.
 */
public final class PcapReplay
{
    /** The result of a replay: frames read, written, and every counter the workers kept. */
    public record Summary(long framesRead, long framesTransmitted, long framesPassed, long framesTruncated,
        CounterTotals counters)
    {
    }

    private static final int SLOTS = 1024;
    private static final long UNSET_MAC = 0x02_00_00_00_00_01L; // locally administered: the replayed appliance's MAC

    private PcapReplay()
    {
    }

    /**
     * Replays {@code in} and writes transmitted frames to {@code out} (which may be null to discard them).
     *
     * @param countersFile where the counters live: a file {@code fulcrum stat} can read, or in-memory
     */
    public static Summary run(final DataplaneSettings settings, final List<Service> services, final Path in,
        final Path out, final CountersFile countersFile) throws IOException
    {
        final long[] now = {0};
        final EpochClock clock = () -> now[0];
        try (PcapReader reader = new PcapReader(in);
            PcapWriter writer = out == null ? null : new PcapWriter(out);
            Arena arena = Arena.ofConfined();
            Dataplane dataplane = new Dataplane(settings, countersFile, clock, Throwable::printStackTrace))
        {
            final FrameSink transmitted = writer == null ? FrameSink.DISCARD : (memory, offset, length) ->
            {
                try
                {
                    writer.write(memory, offset, length, now[0] * 1_000_000L);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            };
            final InMemoryPort port = new InMemoryPort(
                "replay", SLOTS, settings.mtu(), UNSET_MAC, transmitted, FrameSink.DISCARD);
            final ForwardingAgent worker = dataplane.addWorker(port);
            dataplane.publish(services);

            final int maxFrame = port.frameSize() - InMemoryPort.DEFAULT_HEADROOM;
            final MemorySegment frame = arena.allocate(65536);
            long read = 0;
            long truncated = 0;
            int length;
            while ((length = reader.next(frame, 0, (int)frame.byteSize())) >= 0)
            {
                read++;
                now[0] = reader.timestampNanos() / 1_000_000L;
                if (length > maxFrame)
                {
                    truncated++; // larger than a port frame: a real port would never have received it
                    continue;
                }
                if (port.free() == 0)
                {
                    drain(worker, port);
                }
                port.inject(frame, 0, length);
                if (port.pending() >= settings.batchSize())
                {
                    drain(worker, port);
                }
            }
            drain(worker, port);
            worker.onClose();
            return new Summary(read, port.transmittedCount(), port.passedCount(), truncated,
                CounterTotals.read(countersFile.reader()));
        }
    }

    private static void drain(final ForwardingAgent worker, final InMemoryPort port)
    {
        while (port.pending() > 0)
        {
            worker.doWork();
        }
    }
}
