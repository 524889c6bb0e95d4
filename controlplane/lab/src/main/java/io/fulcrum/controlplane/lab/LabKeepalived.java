package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fulcrum.dataplane.sys.Commands;

/**
 * keepalived 2.2.7 on a balancer in place of Fulcrum's VRRP, to compare the two: Fulcrum then only forwards and
 * keepalived moves the VIPs. It runs in the balancer's namespace in the foreground, its log appended to the
 * balancer's log (so the same "Entering MASTER STATE" lines show), with pid files of its own (a second keepalived
 * would refuse the default ones); it is stopped through its pid file, not through {@link LabState}.
 */
final class LabKeepalived
{
    private final Path stateDirectory;
    private final LabProcesses processes;
    private final PrintStream out;

    LabKeepalived(final Path stateDirectory, final LabProcesses processes, final PrintStream out)
    {
        this.stateDirectory = stateDirectory;
        this.processes = processes;
        this.out = out;
    }

    void start(final LabNode balancer, final int priority, final Duration advertInterval)
    {
        final Path config = stateDirectory.resolve(balancer.name() + "-keepalived.conf");
        try
        {
            Files.writeString(config, LabBalancerConfig.keepalived(balancer, priority, advertInterval),
                StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new LabException("cannot write " + config + ": " + e.getMessage(), e);
        }
        Commands.startDetached(Commands.inNamespace(balancer.namespace(), List.of("keepalived", "-n", "-l", "-D", "-P",
            "-f", config.toString(), "-p", pidFile(balancer).toString(),
            "-r", stateDirectory.resolve(balancer.name() + "-vrrp.pid").toString())), processes.logFile(balancer));
    }

    /** Stops the keepalived started on {@code balancer}, if one was. */
    void stop(final LabNode balancer)
    {
        final Path pidFile = pidFile(balancer);
        try
        {
            if (Files.exists(pidFile))
            {
                final long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(handle ->
                {
                    handle.destroy();
                    handle.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
                });
                Files.deleteIfExists(pidFile);
                out.println("stopped keepalived on " + balancer.name());
            }
        }
        catch (final IOException | NumberFormatException e)
        {
            out.println("could not stop keepalived on " + balancer.name() + ": " + e.getMessage());
        }
    }

    private Path pidFile(final LabNode balancer)
    {
        return stateDirectory.resolve(balancer.name() + "-keepalived.pid");
    }
}
