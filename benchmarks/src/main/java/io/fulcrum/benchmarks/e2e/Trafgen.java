package io.fulcrum.benchmarks.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fulcrum.benchmarks.harness.Shell;

/**
 * The packet generator: trafgen from netsniff-ng (Debian package {@code netsniff-ng}) in the generator namespace,
 * sending 64-byte Ethernet frames (60 bytes plus the FCS a wire would add) of UDP to the VIP as fast as it can, from a
 * random source port per frame (65,536 flows), over a PACKET_TX_RING socket that bypasses the qdisc.
 *
 * <p>One trafgen process ({@code -P 1}); its forked sender pins itself to CPU 0 (trafgen pins child i to CPU i), so
 * the harness re-pins all of its threads to the planned CPU after start. {@code --no-sock-mem}: the core socket
 * memory sysctls are read-only in a namespace. trafgen 0.6.8 can exit when its socket send buffer fills; the
 * harness enlarges the buffer of its running socket before it steers receive work to another CPU (the cause), and
 * restarts it if it still exits (and counts the restarts) rather than measure a silent generator.
 */
final class Trafgen implements AutoCloseable
{
    private static final String BINARY = "trafgen";

    private final Path config;
    private final Path log;
    private final int nice;
    private Process process;
    private int starts;

    private Trafgen(final Path config, final Path log, final int nice)
    {
        this.config = config;
        this.log = log;
        this.nice = nice;
    }

    /** Writes the packet configuration; {@code nice} is the niceness trafgen runs at. */
    static Trafgen prepare(final Path workDir, final int nice) throws IOException
    {
        final Path config = workDir.resolve("udp64.trafgen");
        Files.writeString(config, packet());
        return new Trafgen(config, workDir.resolve("trafgen.log"), nice);
    }

    /** The frame, in trafgen's packet language (trafgen(8)): every field written out, checksum by trafgen. */
    static String packet()
    {
        return "/* 64-byte UDP to the VIP, random source port: written by PacketRateHarness */\n"
            + "{\n"
            + "  " + bytes(BenchTopology.LB_MAC) + ", " + bytes(BenchTopology.GEN_MAC) + ", c16(0x0800),\n"
            + "  0x45, 0x00, c16(46), c16(0), c16(0x4000), 64, 17, csumip(14, 33),\n"
            + "  " + BenchTopology.GEN_ADDRESS.replace('.', ',') + ", " + BenchTopology.VIP.replace('.', ',') + ",\n"
            + "  drnd(2), c16(" + BenchTopology.VIP_PORT + "), c16(26), c16(0),\n"
            + "  fill(0x55, 18)\n"
            + "}\n";
    }

    private static String bytes(final String mac)
    {
        return "0x" + mac.replace(":", ", 0x");
    }

    static boolean installed()
    {
        return Shell.attempt("sh", "-c", "command -v " + BINARY);
    }

    /** Starts sending, pinned to {@code cpu}. */
    synchronized void start(final int cpu) throws IOException
    {
        process = new ProcessBuilder(List.of(Shell.inNamespace(BenchTopology.GEN_NS, "nice", "-n",
            Integer.toString(nice), "taskset", "-c",
            Integer.toString(cpu), BINARY, "-o", BenchTopology.GEN_IF, "-i", config.toString(), "-P", "1", "-C", "-Q",
            "--no-sock-mem")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
        starts++;
    }

    /**
     * Waits (at most {@code limitMillis}) until trafgen's sender holds its packet socket, then enlarges that socket's
     * send buffer (see {@link ForeignSockets}); returns whether it did.
     */
    boolean enlargeSendBuffer(final int bytes, final long limitMillis) throws InterruptedException
    {
        final long deadline = System.nanoTime() + limitMillis * 1_000_000L;
        while (process != null && process.isAlive() && System.nanoTime() < deadline)
        {
            int changed = 0;
            for (final ProcessHandle sender : process.descendants().toList())
            {
                changed += ForeignSockets.enlargeSendBuffer(sender.pid(), bytes);
            }
            if (changed > 0)
            {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /** Pins every thread of trafgen and of its forked senders to {@code cpu}. */
    void pin(final int cpu)
    {
        if (process == null)
        {
            return;
        }
        process.descendants().forEach(child ->
            Shell.attempt("taskset", "-a", "-p", "-c", Integer.toString(cpu), Long.toString(child.pid())));
        Shell.attempt("taskset", "-a", "-p", "-c", Integer.toString(cpu), Long.toString(process.pid()));
    }

    /** Restarts trafgen when it has exited; returns whether it had to. */
    synchronized boolean keepRunning(final int cpu) throws IOException
    {
        if (process != null && process.isAlive())
        {
            return false;
        }
        start(cpu);
        return true;
    }

    /** trafgen and its forked senders; empty when it is not running. */
    java.util.List<Long> pids()
    {
        if (process == null)
        {
            return java.util.List.of();
        }
        final java.util.List<Long> pids = new java.util.ArrayList<>();
        pids.add(process.pid());
        process.descendants().forEach(child -> pids.add(child.pid()));
        return pids;
    }

    int starts()
    {
        return starts;
    }

    Path log()
    {
        return log;
    }

    /** SIGTERM to trafgen and its senders (it stops cleanly on it), SIGKILL after 5 s. */
    synchronized void stop()
    {
        if (process == null)
        {
            return;
        }
        final List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try
        {
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        process = null;
    }

    @Override
    public void close()
    {
        stop();
    }
}
