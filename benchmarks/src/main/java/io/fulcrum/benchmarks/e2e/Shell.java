package io.fulcrum.benchmarks.e2e;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the short external commands the harness is built from ({@code ip}, {@code nft}, {@code ethtool},
 * {@code sysctl}, {@code taskset}), each under a time limit: a hung command is killed, never waited for.
 */
final class Shell
{
    static final Duration LIMIT = Duration.ofSeconds(15);

    private Shell()
    {
    }

    /** Runs {@code command} and returns its standard output; throws naming the command when it fails or hangs. */
    static String check(final String... command)
    {
        return checkWithInput(null, command);
    }

    /** The same with {@code input} written to the command's standard input (null for none). */
    static String checkWithInput(final String input, final String... command)
    {
        final Result result = run(input, command);
        if (result.exitCode != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + result.exitCode + "): "
                + result.output.strip());
        }
        return result.output;
    }

    /** Runs {@code command} inside network namespace {@code namespace}; throws when it fails. */
    static String checkIn(final String namespace, final String... command)
    {
        return check(inNamespace(namespace, command));
    }

    /** Runs {@code command}, whatever its exit code; false when it failed. */
    static boolean attempt(final String... command)
    {
        return run(null, command).exitCode == 0;
    }

    static String[] inNamespace(final String namespace, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(Arrays.asList(command));
        return full.toArray(String[]::new);
    }

    private record Result(int exitCode, String output)
    {
    }

    private static Result run(final String input, final String... command)
    {
        final Process process;
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (input == null)
            {
                builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            process = builder.start();
        }
        catch (final IOException e)
        {
            return new Result(127, "cannot run " + command[0] + ": " + e.getMessage());
        }
        final StringBuilder output = new StringBuilder();
        final Thread drain = Thread.ofPlatform().daemon(true).start(() ->
        {
            try (InputStream stream = process.getInputStream())
            {
                output.append(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            }
            catch (final IOException e)
            {
                output.append("(output lost: ").append(e.getMessage()).append(')');
            }
        });
        try
        {
            if (input != null)
            {
                process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
                process.getOutputStream().close();
            }
            if (!process.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                return new Result(124, "timed out after " + LIMIT.toSeconds() + " s");
            }
            drain.join(1_000); // join orders the drain thread's appends before this read
            return new Result(process.exitValue(), output.toString());
        }
        catch (final IOException e)
        {
            process.destroyForcibly();
            return new Result(1, "cannot write to " + command[0] + ": " + e.getMessage());
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }
}
