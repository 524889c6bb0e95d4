package io.fulcrum.controlplane.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.fulcrum.controlplane.config.CheckedConfig;
import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.daemon.Appliance;
import io.fulcrum.controlplane.daemon.EventLog;
import io.fulcrum.controlplane.daemon.EventLogLoggerFinder;
import io.fulcrum.controlplane.daemon.ServiceWatchdog;
import io.fulcrum.controlplane.daemon.SystemdNotify;
import io.fulcrum.controlplane.daemon.Views;
import io.fulcrum.dataplane.sys.Libc;
import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

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

    private static final String LEAK_DETECTION_PROPERTY = "io.netty.leakDetection.level";

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
        // Netty tracks one buffer in 128 for leaks, each with a stack trace taken: about 1 % of a busy proxy's CPU
        // (perf and JFR during bench proxy). The tests keep the default; -Dio.netty.leakDetection.level=simple
        // (FULCRUM_JVM_OPTIONS) turns it on in the daemon.
        if (System.getProperty(LEAK_DETECTION_PROPERTY) == null)
        {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        final CheckedConfig checked = ConfigLoader.check(config);
        final FulcrumConfig loaded = checked.config();
        final String missing = Appliance.missingPrivilege();
        if (missing != null)
        {
            err.println(missing);
            return ExitCodes.INVALID_INPUT;
        }
        // SIGHUP: reload the file; a file that fails validation is reported and the running configuration stays.
        // Handled from before the start: the JVM's own SIGHUP action is to exit, and a SIGHUP that arrives while
        // the appliance starts (a config rewritten right after "forwarding") is kept and served once it runs.
        final AtomicReference<Appliance> running = new AtomicReference<>();
        final AtomicBoolean reloadPending = new AtomicBoolean();
        // Started with SIGHUP ignored (nohup, some supervisors), the JVM would take the handler below and never run
        // it: reloads would be lost without a word. SIGHUP means reload for this daemon, as it does for nginx.
        if (Libc.restoreDefaultAction(Libc.SIGHUP))
        {
            err.println("fulcrum run: SIGHUP was ignored by whoever started fulcrum run (nohup?): it reloads the "
                + "configuration all the same");
        }
        Signal.handle(new Signal("HUP"), signal ->
        {
            final Appliance current = running.get();
            if (current != null)
            {
                reload(current, err);
                return;
            }
            reloadPending.set(true);
            // The start may have finished meanwhile: whoever takes the flag reloads.
            final Appliance started = running.get();
            if (started != null && reloadPending.getAndSet(false))
            {
                reload(started, err);
            }
        });
        final Appliance appliance;
        final EventLog log = new EventLog(out, "json".equals(logFormat) ? EventLog.Format.JSON : EventLog.Format.HUMAN);
        EventLogLoggerFinder.routeTo(log); // VRRP, AF_XDP and health-check lines in the same format
        checked.warnings().forEach(warning -> Appliance.logWarning(log, warning));
        try
        {
            appliance = Appliance.start(loaded, log);
        }
        catch (final RuntimeException e)
        {
            err.println("fulcrum run: cannot start: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        running.set(appliance);
        if (reloadPending.getAndSet(false))
        {
            reload(appliance, err);
        }
        // Under systemd (Type=notify): ready once forwarding and serving; the watchdog fed while the workers work.
        final SystemdNotify notify = SystemdNotify.fromEnvironment();
        final Duration interval = SystemdNotify.watchdogIntervalFromEnvironment();
        final ServiceWatchdog watchdog = notify == null || interval == null ? null : ServiceWatchdog.start(notify,
            appliance.workerProgress(ServiceWatchdog.stallLimit(interval)), interval, log);
        if (notify != null && !notify.send("READY=1\nSTATUS=forwarding " + appliance.status().workers()
            + " worker(s)"))
        {
            err.println("fulcrum run: could not notify systemd on " + notify.socket());
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            if (notify != null)
            {
                notify.send("STOPPING=1");
            }
            if (watchdog != null)
            {
                watchdog.close();
            }
            appliance.close();
            stopped.countDown();
        }, "fulcrum-shutdown"));
        stopped.await();
        return ExitCodes.OK;
    }

    private static synchronized void reload(final Appliance appliance, final PrintWriter err)
    {
        final Views.ReloadResult result = appliance.reload();
        if (!result.ok())
        {
            err.println("fulcrum run: reload " + result.summary() + ":");
            result.problems().forEach(problem -> err.println("  " + problem));
            err.flush();
        }
    }
}
