package io.fulcrum.benchmarks.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.fulcrum.benchmarks.harness.PinnedProcess;

/**
 * HAProxy (Debian 12's 2.6) as the proxy to compare with: one thread ({@code nbthread 1}), in the foreground without
 * a master process ({@code -db}), so the process that runs is the one measured. The configuration is what Fulcrum's
 * service does by default (ProxyOptions' defaults): round robin over the two backends, connect timeout 2 s, 2
 * retries on another backend, and in http mode keep-alive on both sides, X-Forwarded-For, X-Forwarded-Proto and
 * Forwarded added (2.6 has no {@code option forwarded}: a header rule instead), 10 s for a request's head, 60 s idle
 * between requests, 30 s for a response; in tcp mode 10 min idle. No logging (Fulcrum logs no request either).
 * {@code maxconn} 8000: HAProxy refuses to start when its two descriptors per connection exceed the open-file limit
 * (20,000 here).
 */
final class Haproxy
{
    static final String PROGRAM = "/usr/sbin/haproxy";
    private static final Duration START_LIMIT = Duration.ofSeconds(15);

    private Haproxy()
    {
    }

    /** Starts HAProxy in {@code mode} (http or tcp) and waits until a request through the VIP is answered. */
    static PinnedProcess start(final Path workDir, final String mode, final int cpu, final int nice)
        throws IOException, InterruptedException
    {
        final Path config = workDir.resolve("haproxy-" + mode + ".cfg");
        Files.writeString(config, config(mode));
        final PinnedProcess process = PinnedProcess.start("haproxy (" + mode + ")", ProxyTopology.PROXY_NS, cpu, nice,
            workDir.resolve("haproxy-" + mode + ".log"), List.of(PROGRAM, "-db", "-f", config.toString()));
        process.awaitReady(START_LIMIT, output -> HttpProbe.answers(Contender.VIP_URL));
        return process;
    }

    static String config(final String mode)
    {
        final boolean http = mode.equals("http");
        final StringBuilder out = new StringBuilder()
            .append("# written by ProxyHarness: HAProxy as Fulcrum's ").append(mode).append(" service is configured\n")
            .append("global\n")
            .append("    nbthread 1\n")
            .append("    maxconn 8000\n")
            .append("defaults\n")
            .append("    mode ").append(mode).append('\n')
            .append("    maxconn 8000\n")
            .append("    retries 2\n")
            .append("    option redispatch\n")
            .append("    timeout connect 2s\n");
        if (http)
        {
            out.append("    option http-keep-alive\n")
                .append("    option forwardfor\n")
                .append("    timeout http-request 10s\n")
                .append("    timeout http-keep-alive 60s\n")
                .append("    timeout client 60s\n")
                .append("    timeout server 30s\n");
        }
        else
        {
            out.append("    timeout client 10m\n")
                .append("    timeout server 10m\n");
        }
        out.append("frontend web\n")
            .append("    bind ").append(ProxyTopology.VIP).append(':').append(ProxyTopology.VIP_PORT).append('\n')
            .append(http ? "    http-request set-header X-Forwarded-Proto http\n" : "")
            .append(http ? "    http-request set-header Forwarded for=%[src];proto=http\n" : "")
            .append("    default_backend web\n")
            .append("backend web\n")
            .append("    balance roundrobin\n");
        for (int i = 0; i < ProxyTopology.BACKENDS.size(); i++)
        {
            out.append("    server b").append(i + 1).append(' ').append(ProxyTopology.BACKENDS.get(i)).append(':')
                .append(ProxyTopology.BACKEND_PORT).append('\n');
        }
        return out.toString();
    }
}
