package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import io.fulcrum.dataplane.sys.Privileges;

/**
 * Copy of dataplane's test helper (test classes are not shared between modules): tests that need root or a tool skip
 * on a laptop without them, and fail in CI, where {@code FULCRUM_REQUIRE_SYSTEM_TESTS=1} forbids skipping.
 */
final class SystemRequirements
{
    static final String REQUIRE_VARIABLE = "FULCRUM_REQUIRE_SYSTEM_TESTS";

    private SystemRequirements()
    {
    }

    static void requireRoot()
    {
        require(Privileges.isRoot(), "this test needs root (network namespaces, raw sockets)");
    }

    static Path requireCommand(final String command)
    {
        final Path found = find(command);
        require(found != null, "this test needs '" + command + "' on the PATH (run .ci/install-packages)");
        return found;
    }

    static Path find(final String command)
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
        if (!met && "1".equals(System.getenv(REQUIRE_VARIABLE)))
        {
            fail(why + ", and " + REQUIRE_VARIABLE + "=1 forbids skipping it");
        }
        assumeTrue(met, why);
    }
}
