package io.fulcrum.controlplane.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.daemon.Appliance;
import io.fulcrum.controlplane.daemon.EventLog;
import io.fulcrum.controlplane.daemon.Views;
import picocli.CommandLine.Command;
import sun.misc.Signal;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fulcrum run --config FILE}: the appliance's data plane on live interfaces until SIGTERM or SIGINT, which
 * stop the workers and release every socket, XDP program and kernel rule it set up.
 */
@Command(name = "run", description = "Run the load balancer on the interfaces the configuration names, until "
    + "SIGTERM or SIGINT; SIGHUP reloads the configuration file.")
public final class RunCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Fulcrum configuration (YAML).")
    private Path config;

    @Option(names = "--log-format", defaultValue = "human", paramLabel = "FORMAT",
        description = "human (default) or json: one JSON object per event line, for log shippers.")
    private String logFormat;

    @Override
    public Integer call() throws ConfigException, InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final FulcrumConfig loaded = ConfigLoader.load(config);
        final String missing = Appliance.missingPrivilege();
        if (missing != null)
        {
            err.println(missing);
            return ExitCodes.INVALID_INPUT;
        }
        // SIGHUP: reload the file; a file that fails validation is reported and the running configuration stays.
        // Installed before the start: the JVM's default for SIGHUP is to exit, and "forwarding" is logged (and a
        // script may send SIGHUP) while VRRP, health checks and the API are still starting.
        final java.util.concurrent.atomic.AtomicReference<Appliance> running =
            new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.atomic.AtomicBoolean hangupWhileStarting =
            new java.util.concurrent.atomic.AtomicBoolean();
        Signal.handle(new Signal("HUP"), signal ->
        {
            final Appliance started = running.get();
            if (started == null)
            {
                hangupWhileStarting.set(true); // reloaded as soon as the start is done
                final Appliance meanwhile = running.get();
                if (meanwhile != null && hangupWhileStarting.getAndSet(false))
                {
                    meanwhile.reload(); // the start finished between the two reads
                }
                return;
            }
            final Views.ReloadResult result = started.reload();
            if (!result.ok())
            {
                err.println("fulcrum run: reload " + result.summary() + ":");
                result.problems().forEach(problem -> err.println("  " + problem));
                err.flush();
            }
        });
        final Appliance appliance;
        try
        {
            appliance = Appliance.start(loaded, new EventLog(out,
                "json".equals(logFormat) ? EventLog.Format.JSON : EventLog.Format.HUMAN));
        }
        catch (final RuntimeException e)
        {
            err.println("fulcrum run: cannot start: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        running.set(appliance);
        if (hangupWhileStarting.getAndSet(false))
        {
            appliance.reload(); // the file changed while the daemon started
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            appliance.close();
            stopped.countDown();
        }, "fulcrum-shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }
}
