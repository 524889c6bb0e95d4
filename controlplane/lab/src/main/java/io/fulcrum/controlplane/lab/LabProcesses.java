package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

/**
 * The processes the lab starts inside its namespaces (backend servers, {@code fulcrum run}, keepalived) and their
 * bookkeeping: each runs detached (it outlives the process that started it), its output in the state directory as
 * {@code NODE.log}, its pid recorded in {@link LabState} under its node's name. A recorded pid is only ever signalled
 * after checking it still is the lab's process.
 */
final class LabProcesses
{
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);
    private static final Path NETNS_DIRECTORY = Path.of("/run/netns");

    private final LabTopology topology;
    private final Path stateDirectory;

    LabProcesses(final LabTopology topology, final Path stateDirectory)
    {
        this.topology = topology;
        this.stateDirectory = stateDirectory;
    }

    Path stateFile()
    {
        return stateDirectory.resolve("state");
    }

    /** What the lab has recorded so far, read afresh (another process may have changed it). */
    LabState state()
    {
        return LabState.load(stateFile(), topology.prefix());
    }

    /** Where the output of the process the lab started for {@code node} goes. */
    Path logFile(final LabNode node)
    {
        return stateDirectory.resolve(node.name() + ".log");
    }

    /** The node's log as it stands; empty when there is none yet. */
    String log(final LabNode node)
    {
        try
        {
            return Files.exists(logFile(node)) ? Files.readString(logFile(node), StandardCharsets.UTF_8) : "";
        }
        catch (final IOException e)
        {
            return "";
        }
    }

    /**
     * A command line that runs {@code mainClass} of this very build (the running java binary and class path:
     * the fulcrum jar, or the test class path) with the given JVM options and arguments.
     */
    static List<String> javaCommand(final List<String> jvmOptions, final String mainClass, final List<String> arguments)
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(arguments);
        return command;
    }

    /**
     * Starts a long-running command inside {@code node}'s namespace, detached, its output in {@link #logFile}, and
     * records its pid under the node's name so that status shows it and down stops it. One recorded process per node.
     * Returns the pid.
     */
    long start(final LabState state, final LabNode node, final List<String> command)
    {
        final Process process = Commands.startDetached(Commands.inNamespace(node.namespace(), command), logFile(node));
        state.recordProcess(node.name(), process.pid());
        return process.pid();
    }

    /** The pid of each process the lab started (backend servers; the balancers) that is alive now, by node name. */
    Map<String, Long> live()
    {
        final Map<String, Long> live = new LinkedHashMap<>();
        state().processes().forEach((node, pid) -> find(node, pid).ifPresent(handle -> live.put(node, pid)));
        return live;
    }

    /** The live process the lab recorded for {@code node}, if it still runs. */
    Optional<ProcessHandle> recorded(final LabNode node)
    {
        final Long pid = state().processes().get(node.name());
        return pid == null ? Optional.empty() : find(node.name(), pid);
    }

    /**
     * The live process with this pid if it still runs inside {@code node}'s namespace: a recorded pid may have been
     * reused by an unrelated process since, which must never be signalled. The check compares the process's network
     * namespace (/proc/PID/ns/net) with the namespace's file (/run/netns/NAME), by inode; a backend server whose
     * namespace file is gone is still known by the {@code --lab PREFIX} in its command line.
     */
    Optional<ProcessHandle> find(final String nodeName, final long pid)
    {
        final Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty())
        {
            return handle;
        }
        try
        {
            final Object namespace = Files.getAttribute(NETNS_DIRECTORY.resolve(topology.node(nodeName).namespace()),
                "unix:ino");
            final String link = Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", "net")).toString();
            if (link.equals("net:[" + namespace + "]"))
            {
                return handle;
            }
        }
        catch (final IOException | LabException | UnsupportedOperationException e)
        {
            // The namespace's file is gone (removed by hand?): a backend server still names its lab, below.
        }
        final String commandLine = commandLine(pid);
        return commandLine.contains(LabBackendServer.class.getName())
            && commandLine.contains("--lab " + topology.prefix() + " ") ? handle : Optional.empty();
    }

    private static String commandLine(final long pid)
    {
        try
        {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")),
                StandardCharsets.UTF_8).replace('\0', ' ');
        }
        catch (final IOException e)
        {
            return "";
        }
    }

    /** The pids of every process inside the namespace {@code ns} (none when it is gone). */
    static List<Long> pidsIn(final String ns)
    {
        final CommandResult result = Commands.run(Commands.DEFAULT_LIMIT, List.of("ip", "netns", "pids", ns));
        final List<Long> pids = new ArrayList<>();
        if (result.succeeded())
        {
            for (final String line : result.stdout().split("\n"))
            {
                if (!line.isBlank())
                {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        }
        return pids;
    }

    /** SIGTERM, then SIGKILL if it has not exited after a grace period. */
    static void stop(final ProcessHandle handle)
    {
        handle.destroy();
        try
        {
            handle.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException e)
        {
            handle.destroyForcibly();
            waitQuietly(handle);
        }
        catch (final ExecutionException e)
        {
            handle.destroyForcibly();
        }
        catch (final InterruptedException e)
        {
            handle.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void waitQuietly(final ProcessHandle handle)
    {
        try
        {
            handle.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final Exception ignored)
        {
            // SIGKILL cannot be refused; a process stuck in the kernel goes when its namespace does.
        }
    }

    /** Gone, or a zombie: it no longer runs, whoever reaps it. */
    static boolean exited(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            final int afterName = stat.lastIndexOf(')');
            return afterName < 0 || stat.charAt(afterName + 2) == 'Z' || stat.charAt(afterName + 2) == 'X';
        }
        catch (final IOException e)
        {
            return true;
        }
    }

    /** What a process that will not exit is doing: its state and its threads' kernel stacks, for the error. */
    static String procStatus(final long pid)
    {
        try
        {
            return Files.readString(Path.of("/proc/" + pid + "/status")).lines()
                .filter(line -> line.startsWith("State") || line.startsWith("Name")).toList() + " stack " +
                Commands.run(Duration.ofSeconds(5), List.of("sh", "-c", "for t in /proc/" + pid + "/task/*; do " +
                "cat $t/stat | cut -d' ' -f2-3; cat $t/stack; done 2>&1 | grep -v '^ *$' | sort | uniq -c | " +
                "sort -rn | head -40")).stdout();
        }
        catch (final IOException e)
        {
            return "(no /proc entry)";
        }
    }

    static boolean alive(final long pid)
    {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Waits for {@code line} in a process's log; fails early, with the log, if the process exits first. */
    void awaitLog(final LabNode node, final int from, final long pid, final String line, final Duration limit,
        final String what)
    {
        final Instant deadline = Instant.now().plus(limit);
        while (!log(node).substring(from).contains(line))
        {
            if (!alive(pid))
            {
                throw new LabException(what + " exited: " + tail(log(node)));
            }
            if (Instant.now().isAfter(deadline))
            {
                throw new LabException(what + " did not start within " + limit.toSeconds() + " s: " + tail(log(node)));
            }
            pause(Duration.ofMillis(50));
        }
    }

    /** The last 2000 characters of a log, for an error message. */
    static String tail(final String log)
    {
        final String stripped = log.strip();
        return stripped.length() <= 2000 ? stripped : "..." + stripped.substring(stripped.length() - 2000);
    }

    static void pause(final Duration duration)
    {
        try
        {
            Thread.sleep(duration);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }
}
