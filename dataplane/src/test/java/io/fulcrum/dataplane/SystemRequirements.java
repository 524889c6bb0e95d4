package io.fulcrum.dataplane;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tests that need something from the machine (a command such as tshark, root for namespaces and raw sockets) call
 * these first. On a developer's machine a missing requirement skips the test; with {@code FULCRUM_REQUIRE_SYSTEM_TESTS=1}
 * (set in CI) it fails it, so that a test silently skipped in CI cannot pass for a test that ran.
 */
public final class SystemRequirements
{
    public static final String REQUIRE_VARIABLE = "FULCRUM_REQUIRE_SYSTEM_TESTS";

    private SystemRequirements()
    {
    }

    /** Skips (or, in CI, fails) unless {@code command} is an executable on the PATH; returns its path. */
    public static Path requireCommand(final String command)
    {
        final Path found = findOnPath(command);
        require(found != null, "command '" + command + "' is not on the PATH (on Debian: apt-get install "
            + command + ")");
        return found;
    }

    /** Skips (or, in CI, fails) unless the JVM runs as root (uid 0). */
    public static void requireRoot()
    {
        require(isRoot(), "needs root (uid 0) for network namespaces, raw sockets or BPF");
    }

    public static boolean isRequired()
    {
        return "1".equals(System.getenv(REQUIRE_VARIABLE));
    }

    static void require(final boolean met, final String what)
    {
        if (met)
        {
            return;
        }
        if (isRequired())
        {
            Assertions.fail(what + "; " + REQUIRE_VARIABLE + "=1 makes this a failure rather than a skip");
        }
        Assumptions.abort(what + "; skipped (set " + REQUIRE_VARIABLE + "=1 to make this fail)");
    }

    static Path findOnPath(final String command)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return null;
        }
        for (final String directory : path.split(File.pathSeparator))
        {
            if (directory.isEmpty())
            {
                continue;
            }
            final Path candidate = Path.of(directory, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    static boolean isRoot()
    {
        try
        {
            // /proc/self/status: "Uid:	real	effective	saved	fs"
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("Uid:"))
                {
                    return "0".equals(line.substring(4).trim().split("\\s+")[1]);
                }
            }
            return false;
        }
        catch (final IOException e)
        {
            return false;
        }
    }
}
