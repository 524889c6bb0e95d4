package io.fulcrum.dataplane.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import io.fulcrum.dataplane.sys.Privileges;

/**
 * Tests that need root, namespaces or a system tool skip on a developer's laptop that lacks them, but fail in CI,
 * where {@code .ci/run} sets {@code FULCRUM_REQUIRE_SYSTEM_TESTS=1}: a skip there would hide a broken test.
 */
public final class SystemRequirements
{
    public static final String REQUIRE_VARIABLE = "FULCRUM_REQUIRE_SYSTEM_TESTS";

    private SystemRequirements()
    {
    }

    public static boolean required()
    {
        return "1".equals(System.getenv(REQUIRE_VARIABLE));
    }

    public static void requireRoot()
    {
        require(Privileges.isRoot(), "this test needs root (network namespaces, raw sockets)");
    }

    /** Returns the command's path; skips (or fails in CI) when it is not installed. */
    public static Path requireCommand(final String command)
    {
        final Path found = find(command);
        require(found != null, "this test needs '" + command + "' on the PATH (run .ci/install-packages)");
        return found;
    }

    public static Path find(final String command)
    {
        final String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (final String dir : (path + ":/usr/sbin:/sbin").split(":"))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command)))
            {
                return Path.of(dir, command);
            }
        }
        return null;
    }

    private static void require(final boolean met, final String why)
    {
        if (!met && required())
        {
            fail(why + ", and " + REQUIRE_VARIABLE + "=1 forbids skipping it");
        }
        assumeTrue(met, why);
    }
}
