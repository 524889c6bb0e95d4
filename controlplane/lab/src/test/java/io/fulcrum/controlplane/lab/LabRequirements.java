package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.fulcrum.dataplane.sys.Commands;
import io.fulcrum.dataplane.sys.Privileges;

/**
 * The lab's system tests need root, iproute2, sysctl and curl. Like the data plane's SystemRequirements (a test
 * source of another module, so copied rather than depended on): they skip on a laptop without them and fail in CI,
 * where {@code FULCRUM_REQUIRE_SYSTEM_TESTS=1}, since a skip there would hide a broken test.
 */
final class LabRequirements
{
    static final String REQUIRE_VARIABLE = "FULCRUM_REQUIRE_SYSTEM_TESTS";

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private LabRequirements()
    {
    }

    static void requireLabTools()
    {
        require(Privileges.isRoot(), "this test needs root (network namespaces)");
        for (final String command : new String[] {"ip", "sysctl", "curl", "ethtool", "nft", "ping"})
        {
            require(Commands.onPath(command), "this test needs '" + command + "' (run .ci/install-packages)");
        }
    }

    /**
     * A lab of its own for one test: a prefix with the pid and a sequence number (never {@code fl}, so a user's
     * running lab is untouched) and a fresh state directory.
     */
    static Lab testLab(final DecapHook decap)
    {
        final String prefix = "flt" + ProcessHandle.current().pid() % 1_000_000 + "x" + SEQUENCE.incrementAndGet();
        try
        {
            // lab down removes this directory with everything in it.
            final Path state = Files.createTempDirectory("fulcrum-lab-" + prefix + "-");
            return new Lab(new LabTopology(prefix), state, System.out, decap);
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
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
