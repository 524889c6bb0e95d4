package io.fulcrum.benchmarks.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.fulcrum.benchmarks.harness.PinnedProcess;

/**
 * {@code fulcrum run} in the proxy namespace with one proxied service on the VIP ({@code mode: tcp} or {@code http},
 * round robin over the two backends) and no packet data plane, its one event loop on the proxy's CPU
 * ({@code proxy.cores}) on io_uring or epoll. The whole JVM is confined to that CPU (taskset), so its JIT and GC
 * threads are the proxy's cost too. Started through the {@code fulcrum} launcher (which execs the JVM, so the process
 * measured is Fulcrum's); ready when a request through the VIP is answered.
 */
final class FulcrumProxy
{
    private static final Duration START_LIMIT = Duration.ofSeconds(120);

    private FulcrumProxy()
    {
    }

    static PinnedProcess start(final Path launcher, final Path workDir, final String mode, final String transport,
        final int cpu, final int nice) throws IOException, InterruptedException
    {
        final String name = "fulcrum-" + mode + "-" + transport;
        final Path config = workDir.resolve(name + ".yaml");
        Files.writeString(config, config(mode, transport, cpu, workDir.resolve(name + ".counters")));
        final PinnedProcess process = PinnedProcess.start("fulcrum run (" + mode + ", " + transport + ")",
            ProxyTopology.PROXY_NS, cpu, nice, workDir.resolve(name + ".log"),
            List.of(launcher.toString(), "run", "--config", config.toString()));
        process.awaitReady(START_LIMIT, output -> HttpProbe.answers(Contender.VIP_URL));
        return process;
    }

    /** The counters file goes to the work directory: the default one in /dev/shm may be another Fulcrum's. */
    static String config(final String mode, final String transport, final int cpu, final Path counters)
    {
        final StringBuilder out = new StringBuilder()
            .append("# written by ProxyHarness: Fulcrum as a ").append(mode).append(" proxy on ").append(transport)
            .append('\n')
            .append("proxy:\n")
            .append("  transport: ").append(transport).append('\n')
            .append("  cores: [").append(cpu).append("]\n")
            .append("services:\n")
            .append("  - name: web\n")
            .append("    vip: ").append(ProxyTopology.VIP).append('\n')
            .append("    port: ").append(ProxyTopology.VIP_PORT).append('\n')
            .append("    protocol: tcp\n")
            .append("    mode: ").append(mode).append('\n')
            .append("    scheduler: round-robin\n")
            .append("    pool: web\n")
            .append("    backend-port: ").append(ProxyTopology.BACKEND_PORT).append('\n')
            .append("pools:\n")
            .append("  - name: web\n")
            .append("    backends:\n");
        for (final String backend : ProxyTopology.BACKENDS)
        {
            out.append("      - address: ").append(backend).append('\n');
        }
        return out.append("dataplane:\n")
            .append("  interfaces: []\n")
            .append("  counters-file: ").append(counters).append('\n')
            .toString();
    }
}
