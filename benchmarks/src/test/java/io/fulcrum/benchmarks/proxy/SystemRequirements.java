package io.fulcrum.benchmarks.proxy;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fulcrum.dataplane.sys.Commands;
import io.fulcrum.dataplane.sys.Privileges;

/**
 * Tests that need root or a Debian program (wrk, nginx, haproxy) skip on a machine without them and fail where
 * {@code FULCRUM_REQUIRE_SYSTEM_TESTS=1} (CI, which installs them: .ci/install-packages), since a skip there would
 * hide a broken test.
 */
final class SystemRequirements
{
    static final String REQUIRE_VARIABLE = "FULCRUM_REQUIRE_SYSTEM_TESTS";

    private SystemRequirements()
    {
    }

    static void requireRoot()
    {
        require(Privileges.isRoot(), "this test needs root (network namespaces)");
    }

    static void requireProgram(final String program)
    {
        require(Commands.onPath(program), "this test needs '" + program + "' (run .ci/install-packages)");
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
