package io.fulcrum.benchmarks.harness;

import java.time.Duration;
import java.util.List;

import io.fulcrum.dataplane.sys.Commands;

/**
 * The short external commands the harness is built from ({@code ip}, {@code nft}, {@code ethtool}, {@code sysctl},
 * {@code taskset}) of the harnesses, run by the project's one runner ({@link Commands}) under the harness's time limit.
 */
public final class Shell
{
    public static final Duration LIMIT = Duration.ofSeconds(15);

    private Shell()
    {
    }

    /** Runs {@code command} and returns its standard output; throws naming the command when it fails or hangs. */
    public static String check(final String... command)
    {
        return checkWithInput(null, command);
    }

    /** The same with {@code input} written to the command's standard input (null for none). */
    public static String checkWithInput(final String input, final String... command)
    {
        return Commands.run(LIMIT, List.of(command), input).orThrow();
    }

    /** Runs {@code command} inside network namespace {@code namespace}; throws when it fails. */
    public static String checkIn(final String namespace, final String... command)
    {
        return check(inNamespace(namespace, command));
    }

    /** Runs {@code command}, whatever its exit code; false when it failed. */
    public static boolean attempt(final String... command)
    {
        return Commands.run(LIMIT, List.of(command)).succeeded();
    }

    public static String[] inNamespace(final String namespace, final String... command)
    {
        return Commands.inNamespace(namespace, List.of(command)).toArray(String[]::new);
    }
}
