package io.fulcrum.controlplane.cli;

/** What every {@code fulcrum} command returns, so scripts and systemd units can tell failures apart. */
public final class ExitCodes
{
    public static final int OK = 0;
    /** The input was read and refused: an invalid configuration, a capture that cannot be parsed. */
    public static final int INVALID_INPUT = 1;
    /** The command line itself is wrong: unknown command or option, missing argument (picocli's default). */
    public static final int USAGE = 2;
    /** The command exists but cannot run here: upgrade off an appliance, lab in the appliance's jar. */
    public static final int NOT_AVAILABLE = 3;
    /** {@code fulcrum ctl}: the daemon's management API does not answer (not running, wrong --url). */
    public static final int CANNOT_REACH_DAEMON = 4;
    /** {@code fulcrum ctl}: the daemon refused the token. */
    public static final int UNAUTHORIZED = 5;

    private ExitCodes()
    {
    }
}
