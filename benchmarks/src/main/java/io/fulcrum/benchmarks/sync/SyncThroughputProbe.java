package io.fulcrum.benchmarks.sync;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.DatagramSocket;
import java.util.List;

import org.agrona.concurrent.SystemEpochClock;

import io.fulcrum.dataplane.Dataplane;
import io.fulcrum.dataplane.DataplaneSettings;
import io.fulcrum.dataplane.agent.ForwardingAgent;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.FrameSink;
import io.fulcrum.dataplane.port.InMemoryPort;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.sync.SyncCounters;
import io.fulcrum.dataplane.sync.SyncRole;
import io.fulcrum.dataplane.sync.SyncSettings;

/**
 * A manual measurement, not a test (no timing belongs in unit tests): a master data plane forwards the first packet
 * of N new flows while its sync agent streams them over loopback UDP to a standby, which installs them; all four
 * agents (two workers, two sync agents) share this thread, so the figure is the whole pipeline's cost on one core.
 * Prints flow changes per second, bytes on the wire per flow change, and the time a bulk resync of N flows takes.
 * Run: {@code ./fulcrum bench sync [FLOWS [MBIT]]}, or {@code ./fulcrum bench sync hot-path [FLOWS]} for the worker's
 * cost per packet with sync off beside sync on.
 */
public final class SyncThroughputProbe
{
    private SyncThroughputProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")))
        {
            System.out.println("""
                Usage: ./fulcrum bench sync [FLOWS [MBIT]]     FLOWS new flows synced at MBIT Mbit/s, then a resync
                       ./fulcrum bench sync hot-path [FLOWS]  the worker's ns per new-flow packet, sync off and on
                FLOWS: 200000, MBIT: 1000 by default.""");
            return;
        }
        if (args.length > 0 && args[0].equals("hot-path"))
        {
            hotPath(args.length > 1 ? Integer.parseInt(args[1]) : 200_000);
            return;
        }
        final int flows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        final long bytesPerSecond = (args.length > 1 ? Long.parseLong(args[1]) : 1000) * 1_000_000 / 8;
        final byte[] key = new byte[32];
        final int masterPort = freePort();
        final int standbyPort = freePort();
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final InMemoryPort in = port();
        try (Dataplane master = node(in, SyncSettings.of(new InetSocketAddress(loopback, masterPort),
                new InetSocketAddress(loopback, standbyPort), key).withMaxBytesPerSecond(bytesPerSecond)
                .withRingBytes(1 << 22));
            Dataplane standby = node(port(), SyncSettings.of(new InetSocketAddress(loopback, standbyPort),
                new InetSocketAddress(loopback, masterPort), key).withMaxBytesPerSecond(bytesPerSecond)
                .withRingBytes(1 << 22)))
        {
            master.sync().role(SyncRole.MASTER);
            standby.sync().role(SyncRole.BACKUP);
            while (master.sync().counters().value(SyncCounters.RESYNCS_COMPLETED) < 1)
            {
                step(master, standby);
            }
            final byte[][] frames = new byte[flows][];
            for (int i = 0; i < flows; i++)
            {
                frames[i] = FrameBuilder.ipv4("198.51." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff), "192.0.2.10")
                    .tcp(1024 + (i & 0xff), 80, Tcp.SYN).build();
            }
            final long start = System.nanoTime();
            int next = 0;
            while (installed(standby) < flows)
            {
                for (int burst = 0; burst < 64 && next < flows && in.inject(frames[next]); burst++)
                {
                    next++;
                }
                step(master, standby);
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            final long bytes = master.sync().counters().value(SyncCounters.BYTES_SENT);
            final long records = master.sync().counters().value(SyncCounters.RECORDS_SENT);
            System.out.printf("%d new flows forwarded and synced in %.2f s: %.0f flow changes/s; %.1f bytes of UDP "
                    + "payload per flow change (+28 IP/UDP header per %d-record datagram); retransmitted %d%n",
                flows, seconds, flows / seconds, (double)bytes / records, master.sync().settings().recordsPerDatagram(),
                master.sync().counters().value(SyncCounters.RETRANSMITTED));

            // A standby that restarts its session: the master walks its whole table again.
            final long before = installed(standby);
            final long resyncs = master.sync().counters().value(SyncCounters.RESYNCS_COMPLETED);
            standby.sync().role(SyncRole.OFF);
            step(master, standby);
            standby.sync().role(SyncRole.BACKUP);
            final long resyncStart = System.nanoTime();
            while (master.sync().counters().value(SyncCounters.RESYNCS_COMPLETED) == resyncs ||
                installed(standby) < before + flows)
            {
                step(master, standby);
            }
            System.out.printf("bulk resync of %d flows: %.2f s (%.0f flows/s)%n", flows,
                (System.nanoTime() - resyncStart) / 1e9, flows / ((System.nanoTime() - resyncStart) / 1e9));
        }
    }

    /**
     * The worker alone, new flows only (the packets that write a sync record), sync off beside sync on with a ring
     * large enough to take every record: nanoseconds per packet, alternating runs, medians.
     */
    private static void hotPath(final int flows) throws Exception
    {
        // Two sets of new flows: the first warms the table's pages up (a fresh table page-faults on first touch,
        // which would swamp the difference), the second is timed.
        final byte[][][] sets = new byte[2][flows][];
        for (int set = 0; set < 2; set++)
        {
            for (int i = 0; i < flows; i++)
            {
                sets[set][i] = FrameBuilder.ipv4((198 + set) + ".51." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff),
                    "192.0.2.10").tcp(1024 + (i & 0xff), 80, Tcp.SYN).build();
            }
        }
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final int runs = 7;
        final double[][] nanos = new double[2][runs];
        for (int run = 0; run < runs; run++)
        {
            for (int on = 0; on < 2; on++)
            {
                final InMemoryPort in = port();
                try (Dataplane node = plain(in))
                {
                    if (on == 1)
                    {
                        node.enableSync(SyncSettings.of(new InetSocketAddress(loopback, 0),
                            new InetSocketAddress(loopback, 9), new byte[32]).withRingBytes(Integer.highestOneBit(
                                flows * 64) * 4));
                    }
                    final ForwardingAgent worker = node.workers().getFirst();
                    long start = 0;
                    for (int set = 0; set < 2; set++)
                    {
                        start = System.nanoTime();
                        final byte[][] frames = sets[set];
                        for (int i = 0; i < flows; )
                        {
                            for (int batch = 0; batch < 64 && i < flows; batch++)
                            {
                                in.inject(frames[i++]); // a batch of 64, as a busy port hands over
                            }
                            worker.doWork();
                        }
                    }
                    nanos[on][run] = (double)(System.nanoTime() - start) / flows;
                    if (on == 1 && worker.sync().dropped() != 0)
                    {
                        throw new IllegalStateException("the ring was too small");
                    }
                }
            }
        }
        java.util.Arrays.sort(nanos[0]);
        java.util.Arrays.sort(nanos[1]);
        System.out.printf("new flows, one packet each, 64 a duty cycle, worker alone: sync off %.0f ns, "
            + "sync on %.0f ns (medians of %d alternating runs of %d flows; ratio %.2f)%n",
            nanos[0][runs / 2], nanos[1][runs / 2], runs, flows, nanos[1][runs / 2] / nanos[0][runs / 2]);
    }

    private static Dataplane plain(final InMemoryPort port) throws Exception
    {
        final Dataplane dataplane = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 20),
            CountersFile.inMemory(512), SystemEpochClock.INSTANCE, Throwable::printStackTrace);
        dataplane.addWorker(port);
        dataplane.publish(List.of(new Service(0, "web", InetAddress.getByName("192.0.2.10"), 80, Service.TCP,
            Encapsulation.IPIP, 65537, List.of(
                new Backend(0, InetAddress.getByName("10.0.0.11"), 100, BackendState.ACTIVE, 0x0200_0000_0100L),
                new Backend(1, InetAddress.getByName("10.0.0.12"), 100, BackendState.ACTIVE, 0x0200_0000_0101L)))));
        return dataplane;
    }

    private static long installed(final Dataplane node)
    {
        return node.sync().counters().value(SyncCounters.RECORDS_INSTALLED);
    }

    private static void step(final Dataplane master, final Dataplane standby)
    {
        for (final ForwardingAgent worker : master.workers())
        {
            worker.doWork();
        }
        master.sync().doWork();
        standby.sync().doWork();
        for (final ForwardingAgent worker : standby.workers())
        {
            worker.doWork();
        }
    }

    private static InMemoryPort port()
    {
        return new InMemoryPort("p", 256, 1500, 0x02_00_00_00_00_aaL, FrameSink.DISCARD, FrameSink.DISCARD);
    }

    private static Dataplane node(final InMemoryPort port, final SyncSettings settings) throws Exception
    {
        final Dataplane dataplane = plain(port);
        dataplane.enableSync(settings);
        return dataplane;
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1")))
        {
            return socket.getLocalPort();
        }
    }
}
