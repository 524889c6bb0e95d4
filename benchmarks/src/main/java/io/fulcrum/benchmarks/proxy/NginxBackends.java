package io.fulcrum.benchmarks.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.fulcrum.benchmarks.harness.PinnedProcess;

/**
 * The two backends: one nginx (Debian's, one worker) in the backend namespace, listening on both backend addresses,
 * serving one static body of {@link #BODY_BYTES} bytes at {@link #PATH}, no access log, keep-alive without a limit on
 * requests per connection (nginx's default of 1000 would make every proxy reconnect now and then, and the direct case
 * too). Pinned to the client's CPU: the proxy keeps a CPU to itself.
 */
final class NginxBackends implements AutoCloseable
{
    static final String PROGRAM = "/usr/sbin/nginx";
    static final String PATH = "/1k";
    static final int BODY_BYTES = 1024;
    private static final Duration START_LIMIT = Duration.ofSeconds(15);

    private final PinnedProcess process;

    private NginxBackends(final PinnedProcess process)
    {
        this.process = process;
    }

    static NginxBackends start(final Path workDir, final int cpu, final int nice)
        throws IOException, InterruptedException
    {
        final Path root = Files.createDirectories(workDir.resolve("nginx"));
        Files.writeString(root.resolve(PATH.substring(1)), "x".repeat(BODY_BYTES - 1) + "\n");
        final Path config = root.resolve("nginx.conf");
        Files.writeString(config, config(root));
        final PinnedProcess process = PinnedProcess.start("nginx", ProxyTopology.BACKEND_NS, cpu, nice,
            workDir.resolve("nginx.log"), List.of(PROGRAM, "-p", root.toString(), "-e", root.resolve("error.log")
                .toString(), "-c", config.toString()));
        process.awaitReady(START_LIMIT, output -> ProxyTopology.BACKENDS.stream()
            .allMatch(backend -> HttpProbe.answers(HttpProbe.url(backend, ProxyTopology.BACKEND_PORT))));
        return new NginxBackends(process);
    }

    static String config(final Path root)
    {
        final StringBuilder listen = new StringBuilder();
        for (final String backend : ProxyTopology.BACKENDS)
        {
            listen.append("        listen ").append(backend).append(':').append(ProxyTopology.BACKEND_PORT)
                .append(" backlog=4096;\n");
        }
        return "# written by ProxyHarness: the backends of the proxy benchmark\n"
            + "worker_processes 1;\n"
            + "daemon off;\n"
            + "user root;\n"
            + "pid " + root.resolve("nginx.pid") + ";\n"
            + "error_log " + root.resolve("error.log") + " warn;\n"
            + "events { worker_connections 8192; }\n"
            + "http {\n"
            + "    access_log off;\n"
            + "    default_type text/plain;\n"
            + "    sendfile on;\n"
            + "    keepalive_requests 100000000;\n"
            + "    keepalive_timeout 120s;\n"
            + "    client_body_temp_path " + root.resolve("client_body") + ";\n"
            + "    proxy_temp_path " + root.resolve("proxy") + ";\n"
            + "    fastcgi_temp_path " + root.resolve("fastcgi") + ";\n"
            + "    uwsgi_temp_path " + root.resolve("uwsgi") + ";\n"
            + "    scgi_temp_path " + root.resolve("scgi") + ";\n"
            + "    server {\n"
            + listen
            + "        root " + root + ";\n"
            + "    }\n"
            + "}\n";
    }

    /** SIGTERM: nginx's fast shutdown, workers included. */
    @Override
    public void close()
    {
        process.close();
    }
}
