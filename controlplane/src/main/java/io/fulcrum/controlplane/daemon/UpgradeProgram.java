package io.fulcrum.controlplane.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

/**
 * The appliance image's installer (image/rootfs/usr/sbin/fulcrum-upgrade) as the API uses it: where uploads wait,
 * handing it an upload, and its slot table. Every run has a time limit: a hung installer is killed and the answer
 * says so, it never holds up the caller.
 */
public final class UpgradeProgram
{
    public static final Path PROGRAM = Path.of("/usr/sbin/fulcrum-upgrade");
    public static final Path UPLOADS = Path.of("/data/upgrade/incoming");
    /** {@code --status} reads the boot entries of two slots: milliseconds, seconds on a slow disk. */
    public static final Duration STATUS_LIMIT = Duration.ofSeconds(20);
    /** {@code systemd-run} returns once the unit is started, not when the installer ends. */
    private static final Duration START_LIMIT = Duration.ofSeconds(30);
    private static final String UNIT = "fulcrum-upgrade-api";

    private final Path program;
    private final Path uploads;
    private final Duration statusLimit;
    private final EventLog log;

    /** The image's installer and upload directory. */
    public UpgradeProgram(final EventLog log)
    {
        this(PROGRAM, UPLOADS, STATUS_LIMIT, log);
    }

    public UpgradeProgram(final Path program, final Path uploads, final Duration statusLimit, final EventLog log)
    {
        this.program = program;
        this.uploads = uploads;
        this.statusLimit = statusLimit;
        this.log = log;
    }

    /** Where uploads are stored, or null when this machine has no installer (not the appliance image). */
    public Path uploads()
    {
        return Files.isExecutable(program) ? uploads : null;
    }

    /**
     * Runs the installer as a transient unit of its own (systemd-run), not as this daemon's child: it must survive a
     * restart of fulcrum.service (the watchdog's, or the reboot it ends with) half-way through writing a slot.
     */
    public Views.Upgrade start(final Path file, final String sha256)
    {
        final CommandResult run = Commands.run(START_LIMIT, List.of("systemd-run", "--unit=" + UNIT, "--collect",
            "--quiet", "--property=TimeoutStartSec=infinity", "--property=StandardOutput=journal+console",
            program.toString(), "--sha256", sha256, file.toString()));
        if (!run.succeeded())
        {
            return new Views.Upgrade(false, file.toString(), sha256, "the installer did not start: "
                + (run.timedOut() ? run.failure() : output(run).strip()));
        }
        log.event("upgrade", "upgrade from " + file + " started (journalctl -u " + UNIT + ")", "file",
            file.toString(), "sha256", sha256);
        return new Views.Upgrade(true, file.toString(), sha256, "installing into the standby slot, then rebooting "
            + "into it on trial; follow it with: journalctl -u " + UNIT + " -f");
    }

    /** Both root slots, their versions and which is trusted, as {@code fulcrum upgrade --status} prints them. */
    public String slots()
    {
        if (!Files.isExecutable(program))
        {
            return "not an appliance image: " + program + " is missing\n";
        }
        final CommandResult run = Commands.run(statusLimit, List.of(program.toString(), "--status"));
        if (run.timedOut())
        {
            return output(run) + program + " --status did not finish within " + statusLimit.toSeconds()
                + " s and was stopped\n";
        }
        return output(run);
    }

    /** Its output, then its error output. */
    private static String output(final CommandResult run)
    {
        return run.stdout() + run.stderr();
    }
}
