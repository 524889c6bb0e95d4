package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Tests that need a program of the system (Chromium): they skip on a machine without it, and fail where
 * {@code FULCRUM_REQUIRE_SYSTEM_TESTS=1} (CI), since a skip there would hide a broken test.
 */
public final class SystemRequirements
{
    static final String REQUIRE_VARIABLE = "FULCRUM_REQUIRE_SYSTEM_TESTS";

    private SystemRequirements()
    {
    }

    /** The program's path on PATH; skips (or fails, under the variable) when it is absent. */
    public static Path requireProgram(final String name, final String why)
    {
        final Optional<Path> found = onPath(name);
        require(found.isPresent(), "this test needs '" + name + "' (" + why + "; run .ci/install-packages)");
        return found.orElseThrow();
    }

    public static Optional<Path> onPath(final String name)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return Optional.empty();
        }
        for (final String directory : path.split(":"))
        {
            final Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate))
            {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public static void require(final boolean met, final String why)
    {
        if (!met && "1".equals(System.getenv(REQUIRE_VARIABLE)))
        {
            fail(why + ", and " + REQUIRE_VARIABLE + "=1 forbids skipping it");
        }
        assumeTrue(met, why);
    }
}
