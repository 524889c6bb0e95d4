package io.fulcrum.dataplane.sys;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one runner of external commands ({@code ip}, {@code nft}, {@code sysctl}, {@code curl}, the appliance's upgrade
 * program, notify scripts), each with a time limit: a hung command is killed, never waited for. Both output streams
 * are drained on their own threads, so a command that writes a lot cannot block on a full pipe, and a command that
 * never closes its output cannot block us. The daemon, the lab, the harnesses and the tests all run commands here.
 */
public final class Commands
{
    /** Enough for any {@code ip} or {@code sysctl} call; they normally take milliseconds. */
    public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(10);

    private static final Duration DRAIN_GRACE = Duration.ofSeconds(1);

    private Commands()
    {
    }

    /** Runs a command with the default limit and returns what it did, whatever its exit code. */
    public static CommandResult run(final String... command)
    {
        return run(DEFAULT_LIMIT, List.of(command));
    }

    /** Runs a command and throws a {@link CommandFailedException} naming it when it fails or times out. */
    public static String check(final String... command)
    {
        return check(DEFAULT_LIMIT, List.of(command));
    }

    /** Runs a command with {@code limit}; its standard output, or a {@link CommandFailedException} naming it. */
    public static String check(final Duration limit, final List<String> command)
    {
        return run(limit, command, null).orThrow();
    }

    /** Runs {@code command} inside network namespace {@code namespace} and throws when it fails. */
    public static String checkIn(final String namespace, final String... command)
    {
        return check(inNamespace(namespace, List.of(command)).toArray(String[]::new));
    }

    /** Runs {@code command} inside network namespace {@code namespace}, whatever its exit code. */
    public static CommandResult runIn(final String namespace, final Duration limit, final String... command)
    {
        return run(limit, inNamespace(namespace, List.of(command)));
    }

    public static List<String> inNamespace(final String namespace, final List<String> command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(resolve(command));
        return full;
    }

    public static CommandResult run(final Duration limit, final List<String> command)
    {
        return run(limit, command, null);
    }

    /** Runs a command with {@code input} on its standard input (null: /dev/null), whatever its exit code. */
    public static CommandResult run(final Duration limit, final List<String> command, final String input)
    {
        final Process process;
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(resolve(command));
            if (input == null)
            {
                builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            process = builder.start();
        }
        catch (final IOException e)
        {
            return new CommandResult(command, 127, "", "cannot run " + command.getFirst() + ": " + e.getMessage(), false);
        }
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final Thread outReader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), stdout));
        final Thread errReader = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), stderr));
        boolean timedOut = false;
        try
        {
            if (input != null)
            {
                write(process, input);
            }
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS))
            {
                timedOut = true;
                process.destroyForcibly();
                process.waitFor(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
            outReader.join(DRAIN_GRACE);
            errReader.join(DRAIN_GRACE);
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandFailedException("interrupted while running " + String.join(" ", command));
        }
        final int exit = timedOut ? -1 : process.exitValue();
        return new CommandResult(command, exit, text(stdout), text(stderr), timedOut);
    }

    /**
     * Starts a long-running command detached from us: in its own session (so a closed terminal does not hang it up),
     * input from /dev/null and both outputs appended to {@code log}, so it outlives the process that started it.
     * {@code setsid} execs in place here (we are not a process-group leader), so the returned pid is the command's.
     */
    public static Process startDetached(final List<String> command, final Path log)
    {
        final List<String> full = new ArrayList<>();
        if (onPath("setsid"))
        {
            full.add("setsid");
        }
        full.addAll(command);
        try
        {
            Files.createDirectories(log.getParent());
            return new ProcessBuilder(resolve(full))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        }
        catch (final IOException e)
        {
            throw new CommandFailedException("cannot start " + String.join(" ", full) + ": " + e.getMessage());
        }
    }

    /** The absolute path of {@code command}, or null when it is nowhere: see {@link #onPath}. */
    public static Path locate(final String command)
    {
        final String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (final String dir : (path + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":"))
        {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command)))
            {
                return Path.of(dir, command);
            }
        }
        return null;
    }

    /** True when {@code command} is an executable in PATH or in the sbin directories sudo's secure_path adds. */
    public static boolean onPath(final String command)
    {
        return command.contains("/") ? Files.isExecutable(Path.of(command)) : locate(command) != null;
    }

    /** A JVM started without /usr/sbin in PATH (a test runner, say) still finds {@code ip} and {@code sysctl}. */
    private static List<String> resolve(final List<String> command)
    {
        final String name = command.getFirst();
        final Path located = name.contains("/") ? null : locate(name);
        if (located == null)
        {
            return command;
        }
        final List<String> resolved = new ArrayList<>(command);
        resolved.set(0, located.toString());
        return resolved;
    }

    private static void write(final Process process, final String input)
    {
        try (var stdin = process.getOutputStream())
        {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        catch (final IOException ignored)
        {
            // The command exited without reading all of it: its exit code and output say why.
        }
    }

    private static void drain(final InputStream in, final ByteArrayOutputStream sink)
    {
        try (in)
        {
            in.transferTo(sink);
        }
        catch (final IOException ignored)
        {
            // The process was killed and its pipe closed under us: what was read so far is what there is.
        }
    }

    private static String text(final ByteArrayOutputStream bytes)
    {
        synchronized (bytes)
        {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
