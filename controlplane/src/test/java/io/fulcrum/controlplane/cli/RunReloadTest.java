package io.fulcrum.controlplane.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fulcrum.controlplane.api.SystemRequirements;
import io.fulcrum.dataplane.sys.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fulcrum run} as its own process reloads its file on SIGHUP, also when whoever started it had SIGHUP
 * ignored ({@code nohup}, some supervisors): the JVM keeps an inherited ignored signal ignored and silently drops the
 * handler, so the daemon resets SIGHUP to its default action before taking it. Needs root ({@code fulcrum run}
 * refuses to start without it), and the log carries the file's warnings; loopback only: one proxied tcp service and the API on 127.0.0.1.
 */
final class RunReloadTest
{
    private static final long LIMIT_MILLIS = 60_000;

    @TempDir
    Path directory;

    @Test
    void sighupReloadsTheFileEvenWhenTheDaemonWasStartedWithSighupIgnored() throws Exception
    {
        SystemRequirements.require(Libc.geteuid() == 0, "fulcrum run needs root");
        final Path nohup = SystemRequirements.requireProgram("nohup", "to start the daemon with SIGHUP ignored");
        final Path config = directory.resolve("fulcrum.yaml");
        final int servicePort = freePort();
        final int apiPort = freePort();
        Files.writeString(config, config(servicePort, apiPort, "127.0.0.2"));
        final Path log = directory.resolve("run.log");
        final Process daemon = new ProcessBuilder(List.of(nohup.toString(),
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-Xmx128m", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"), "io.fulcrum.controlplane.cli.FulcrumCommand",
            "run", "--config", config.toString()))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try
        {
            awaitLine(log, daemon, "fulcrum run: forwarding");
            assertTrue(read(log).contains("SIGHUP was ignored"), "says what it found: " + read(log));
            Files.writeString(config, config(servicePort, apiPort, "127.0.0.3")
                + "  - name: spare\n    backends: [{ address: 127.0.0.4 }]\n");
            new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start().waitFor();
            awaitLine(log, daemon, "fulcrum run: reloaded");
            // A valid file with what it probably did not mean: the log says so, as config check would.
            assertTrue(read(log).contains(config + ":12:5: warning: pool 'spare' is used by no service"), read(log));
        }
        finally
        {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS))
            {
                daemon.destroyForcibly().waitFor();
            }
        }
    }

    private String config(final int servicePort, final int apiPort, final String backend)
    {
        return """
            api: { listen: 127.0.0.1:%d, tokens: [test-token-for-the-reload-test] }
            dataplane:
              interfaces: []
              counters-file: %s
              connection-table: { persistent: false }
            services:
              - { name: relay, vip: 127.0.0.1, port: %d, mode: tcp, pool: p, backend-port: 9 }
            pools:
              - name: p
                backends:
                  - { address: %s }
            """.formatted(apiPort, directory.resolve("counters"), servicePort, backend);
    }

    private static void awaitLine(final Path log, final Process daemon, final String line) throws Exception
    {
        final long deadline = System.currentTimeMillis() + LIMIT_MILLIS;
        while (!read(log).contains(line))
        {
            if (!daemon.isAlive())
            {
                fail("fulcrum run exited (" + daemon.exitValue() + "): " + read(log));
            }
            assertTrue(System.currentTimeMillis() < deadline, "no '" + line + "' within 60 s: " + read(log));
            Thread.sleep(50);
        }
    }

    private static String read(final Path log) throws IOException
    {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
