package io.fulcrum.dataplane.port.afxdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Verdict;
import io.fulcrum.dataplane.sys.Affinity;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.testing.Netns;

/**
 * A manual measurement, not a test (no timing belongs in unit tests): a generator in one namespace sends 64-byte
 * UDP frames to a VIP over a veth with an AF_PACKET socket; the port in the other namespace receives them and
 * transmits each back (MACs swapped). Prints packets per second at each step and the kernel's XDP statistics.
 * Run as root: java --enable-native-access=ALL-UNNAMED -cp ... AfXdpThroughputProbe [seconds] [busyPoll] [frames] [rings]
 */
public final class AfXdpThroughputProbe
{
    private static final int SOL_PACKET = 263;
    private static final int PACKET_QDISC_BYPASS = 20;

    private AfXdpThroughputProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final boolean busyPoll = args.length > 1 && Boolean.parseBoolean(args[1]);
        final int frames = args.length > 2 ? Integer.parseInt(args[2]) : AfXdpSettings.DEFAULT_FRAME_COUNT;
        final int rings = args.length > 3 ? Integer.parseInt(args[3]) : AfXdpSettings.DEFAULT_RING_SIZE;
        try (Netns netns = new Netns())
        {
            final String lb = netns.namespace("lb");
            final String cl = netns.namespace("cl");
            netns.veth(lb, "fxa", null, cl, "fxb", null);
            final long lbMac = TestFrames.mac(netns.exec(lb, "cat", "/sys/class/net/fxa/address"));
            final long clMac = TestFrames.mac(netns.exec(cl, "cat", "/sys/class/net/fxb/address"));
            final InetAddress vip = InetAddress.getByName("10.77.0.100");
            final byte[] frame = TestFrames.udp(lbMac, clMac, -1, InetAddress.getByName("10.77.0.2"), vip, 1234, 80,
                new byte[18]);

            final AfXdpPortTest.Rig rig = Namespaces.runIn(lb, () -> AfXdpPortTest.openRigHere("fxa",
                XdpProgram.MODE_DRIVER, s -> s.withBusyPoll(busyPoll).withFrames(frames, rings)));
            try
            {
                rig.program().addService(vip, io.fulcrum.dataplane.balance.Service.UDP, 80);
                final AtomicBoolean running = new AtomicBoolean(true);
                final AtomicLong sent = new AtomicLong();
                final Thread generator = new Thread(() -> generate(cl, frame, running, sent), "generator");
                generator.start();

                Affinity.pinCurrentThread(0);
                final AfXdpPort port = rig.port();
                final PacketBatch batch = new PacketBatch(64);
                final com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
                final long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                final long start = System.nanoTime();
                final long end = start + seconds * 1_000_000_000L;
                while (System.nanoTime() < end)
                {
                    final int count = port.receive(batch);
                    final MemorySegment memory = batch.memory();
                    for (int i = 0; i < count; i++)
                    {
                        final long at = batch.offset(i);
                        // swap the MAC addresses: 6 + 6 bytes, as two longs would overlap, so int + short each
                        final int dstHigh = memory.get(ValueLayout.JAVA_INT_UNALIGNED, at);
                        final short dstLow = memory.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 4);
                        MemorySegment.copy(memory, at + 6, memory, at, 6);
                        memory.set(ValueLayout.JAVA_INT_UNALIGNED, at + 6, dstHigh);
                        memory.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 10, dstLow);
                        batch.verdict(i, Verdict.TRANSMIT);
                    }
                    port.complete(batch);
                    port.poll();
                }
                final double elapsed = (System.nanoTime() - start) / 1e9;
                final long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
                running.set(false);
                generator.join();
                final long peerRx = Long.parseLong(
                    netns.exec(cl, "cat", "/sys/class/net/fxb/statistics/rx_packets").strip());
                System.out.printf("busyPoll=%s zeroCopy=%s frames=%d rings=%d seconds=%.1f%n", busyPoll,
                    port.zeroCopy(), frames, rings, elapsed);
                System.out.printf("generator sent   %,12d  %,10.0f pps%n", sent.get(), sent.get() / elapsed);
                System.out.printf("port received    %,12d  %,10.0f pps%n", port.rx(), port.rx() / elapsed);
                System.out.printf("port transmitted %,12d  %,10.0f pps%n", port.tx(), port.tx() / elapsed);
                System.out.printf("peer received    %,12d  %,10.0f pps%n", peerRx, peerRx / elapsed);
                System.out.printf("worker allocated %,d bytes in the loop (%.4f per packet)%n", allocated,
                    allocated / (double)Math.max(1, port.rx()));
                System.out.printf("txRingFull=%d fillRingEmpty=%d wakeups=%d kernel %s%n", port.txRingFull(),
                    port.fillRingEmpty(), port.wakeups(), port.kernelStatistics());
            }
            finally
            {
                rig.close();
            }
        }
    }

    private static void generate(final String ns, final byte[] frame, final AtomicBoolean running,
        final AtomicLong sent)
    {
        Namespaces.enter(ns);
        Affinity.pinCurrentThread(1);
        final int fd = Libc.socket(17, 3, 0);
        try (Arena arena = Arena.ofConfined())
        {
            Libc.setsockoptInt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            final MemorySegment to = arena.allocate(20, 4);
            to.set(ValueLayout.JAVA_SHORT, 0, (short)17);
            to.set(ValueLayout.JAVA_INT, 4, Libc.ifNameToIndex("fxb"));
            to.set(ValueLayout.JAVA_BYTE, 11, (byte)6);
            final MemorySegment buffer = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
            final MemorySegment capture = Libc.errnoSegment(arena);
            long count = 0;
            while (running.get())
            {
                if (Libc.sendto(capture, fd, buffer, frame.length, 0, to, 20) > 0)
                {
                    count++;
                }
            }
            sent.set(count);
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
