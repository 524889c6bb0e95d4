package io.fulcrum.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.fulcrum.benchmarks.harness.CpuPlan;
import io.fulcrum.benchmarks.harness.PinnedProcess;

/**
 * {@code fulcrum run} in the balancer namespace, on fblb0, with one worker pinned to the plan's balancer CPU: one UDP
 * service on the VIP, IPIP (RFC 2003) to a single backend, the sink, whose MAC is given so that nothing is resolved.
 * The whole JVM is confined to that CPU too (taskset), so its JIT and GC threads compete with the worker and not with
 * the generator. Started through the {@code fulcrum} launcher; SIGTERM stops it and releases its XDP program,
 * sockets and nftables table.
 */
final class FulcrumProcess implements AutoCloseable
{
    private static final Duration START_LIMIT = Duration.ofSeconds(120);
    private static final String READY = "fulcrum run: forwarding ";

    private final PinnedProcess process;
    private final String packetIo;

    private FulcrumProcess(final PinnedProcess process, final String packetIo)
    {
        this.process = process;
        this.packetIo = packetIo;
    }

    /**
     * Starts Fulcrum with {@code packetIo} ({@code af_xdp} or {@code af_packet}) and waits until it forwards.
     * {@code idle}: the worker's idle strategy. The harness picks busy-spin when the worker has a CPU of its own and
     * backoff when it shares one with the generator (a spinning worker would take half of that CPU whether or not
     * there is work).
     */
    static FulcrumProcess start(final Path launcher, final Path workDir, final String packetIo, final CpuPlan plan,
        final String idle, final int nice) throws IOException, InterruptedException
    {
        final Path config = workDir.resolve("fulcrum-" + packetIo + ".yaml");
        final Path counters = workDir.resolve("fulcrum-" + packetIo + ".counters");
        Files.writeString(config, config(packetIo, plan.balancerCpu(), idle, counters));
        final PinnedProcess process = PinnedProcess.start("fulcrum run (" + packetIo + ")", BenchTopology.LB_NS,
            plan.balancerCpu(), nice, workDir.resolve("fulcrum-" + packetIo + ".log"),
            List.of(launcher.toString(), "run", "--config", config.toString()));
        process.awaitReady(START_LIMIT, output -> output.contains(READY));
        return new FulcrumProcess(process, packetIo);
    }

    static String config(final String packetIo, final int cpu, final String idle, final Path counters)
    {
        return "# written by PacketRateHarness: the end-to-end packet-rate benchmark\n"
            + "dataplane:\n"
            + "  interfaces: [" + BenchTopology.LB_IF + "]\n"
            + "  packet-io: " + packetIo + "\n"
            + "  workers: 1\n"
            + "  cores: [" + cpu + "]\n"
            + "  idle: " + idle + "\n"
            + "  batch-size: 64\n"
            + "  counters-file: " + counters + "\n"
            + "services:\n"
            + "  - { name: bench, vip: " + BenchTopology.VIP + ", port: " + BenchTopology.VIP_PORT
            + ", protocol: udp, forwarding: ipip, pool: sink }\n"
            + "pools:\n"
            + "  - name: sink\n"
            + "    backends:\n"
            + "      - { address: " + BenchTopology.SINK_ADDRESS + ", mac: \"" + BenchTopology.GEN_MAC + "\" }\n";
    }

    /** The JVM's process id (ip netns exec, taskset, nice and the launcher all exec). */
    long pid()
    {
        return process.pid();
    }

    String packetIo()
    {
        return packetIo;
    }

    Path log()
    {
        return process.log();
    }

    /** SIGTERM (Fulcrum's orderly stop), SIGKILL after 15 s; the kernel detaches its BPF link either way. */
    @Override
    public void close()
    {
        process.close();
    }
}
