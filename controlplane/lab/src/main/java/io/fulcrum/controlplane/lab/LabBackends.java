package io.fulcrum.controlplane.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The backends' side of the lab: on each, a {@link LabBackendServer} (HTTP, and the UDP echo the failover probe
 * uses) in its namespace, and the decapsulation of the balancer's packets ({@link BackendDecap}).
 */
final class LabBackends
{
    private static final Duration START_LIMIT = Duration.ofSeconds(30);

    private final LabTopology topology;
    private final LabProcesses processes;
    private final BackendDecap decap;
    private final PrintStream out;

    LabBackends(final LabTopology topology, final LabProcesses processes, final BackendDecap decap,
        final PrintStream out)
    {
        this.topology = topology;
        this.processes = processes;
        this.decap = decap;
        this.out = out;
    }

    /** Starts every backend's server; {@link #awaitServing} waits for them. */
    void start(final LabState state)
    {
        for (final LabNode backend : topology.backends())
        {
            start(state, backend);
        }
    }

    private void start(final LabState state, final LabNode backend)
    {
        final List<String> arguments = new ArrayList<>(List.of("--lab", topology.prefix(), "--name",
            backend.name(), "--port", String.valueOf(LabTopology.HTTP_PORT)));
        if (!BackendDecap.kernelHasTunnels(backend))
        {
            arguments.addAll(List.of("--xdp-decap", backend.lanInterface(), "--local", backend.lan4(),
                "--local", backend.lan6()));
        }
        final long pid = processes.start(state, backend, LabProcesses.javaCommand(
            List.of("-Xms8m", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED"),
            LabBackendServer.class.getName(), arguments));
        out.printf("started the HTTP server of %s (pid %d, log %s)%n", backend.name(), pid, processes.logFile(backend));
    }

    /** Sets up decapsulation on every backend (kernel tunnel devices, or the XDP program its server holds). */
    void installDecap()
    {
        for (final LabNode backend : topology.backends())
        {
            out.println(backend.name() + ": " + decap.install(backend));
        }
    }

    /** Waits until every backend's server listens and answers a request on its own loopback. */
    void awaitServing(final LabState state)
    {
        final Instant deadline = Instant.now().plus(START_LIMIT);
        for (final LabNode backend : topology.backends())
        {
            final long pid = state.processes().get(backend.name());
            while (!processes.log(backend).contains(LabBackendServer.READY_LINE))
            {
                if (!LabProcesses.alive(pid))
                {
                    throw new LabException("the HTTP server of " + backend.name() + " exited: "
                        + processes.log(backend).strip());
                }
                if (Instant.now().isAfter(deadline))
                {
                    throw new LabException("the HTTP server of " + backend.name() + " did not start within "
                        + START_LIMIT.toSeconds() + " s: " + processes.log(backend).strip());
                }
                LabProcesses.pause(Duration.ofMillis(50));
            }
            // Listening is not yet serving: one request from inside the backend (over its loopback) proves it, and
            // loads the JVM's HTTP classes before the first real client arrives.
            final Curl.Answer answer = Curl.get(backend.namespace(), Curl.url("127.0.0.1"));
            if (!answer.ok() || !answer.text().equals(backend.name()))
            {
                throw new LabException("the HTTP server of " + backend.name() + " does not answer on its own "
                    + "loopback: " + answer.text());
            }
        }
        out.println("all " + topology.backends().size() + " backend servers answer on port " + LabTopology.HTTP_PORT);
    }

    /**
     * Makes a backend's server wait {@code millis} before each answer from now on (0: answer at once), asked over its
     * own loopback; returns what the server said.
     */
    String delay(final LabNode backend, final int millis)
    {
        final Curl.Answer answer = Curl.get(backend.namespace(), "http://127.0.0.1:" + LabTopology.HTTP_PORT
            + LabBackendServer.DELAY_PATH + "?ms=" + millis);
        if (!answer.ok() || !answer.text().startsWith(backend.name() + " delay "))
        {
            throw new LabException("cannot set the delay of " + backend.name() + "'s HTTP server: " + answer.text());
        }
        return answer.text();
    }

    /** Stops a backend's server (its decapsulation, if XDP's, goes with it); returns what it did. */
    String stop(final LabNode backend)
    {
        final Optional<ProcessHandle> handle = processes.recorded(backend);
        if (handle.isEmpty())
        {
            return "the HTTP server of " + backend.name() + " is not running";
        }
        LabProcesses.stop(handle.get());
        return "stopped the HTTP server of " + backend.name() + " (pid " + handle.get().pid() + ")";
    }

    /** Starts a stopped backend's server again and waits until it listens; returns what it did. */
    String restart(final LabNode backend)
    {
        final LabState state = processes.state();
        final int logStart = processes.log(backend).length();
        start(state, backend);
        processes.awaitLog(backend, logStart, state.processes().get(backend.name()), LabBackendServer.READY_LINE,
            START_LIMIT, "the HTTP server of " + backend.name());
        return "restarted the HTTP server of " + backend.name();
    }
}
