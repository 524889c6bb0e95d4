package io.fulcrum.vrrp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.fulcrum.dataplane.sys.Commands;

/**
 * A LAN for VRRP tests: a bridge in its own namespace (multicast snooping off, FACTS) and appliance namespaces, each
 * with an {@code eth0} on the bridge, addressed 10.99.N.k/24 and fe80::k/64. Everything it makes (namespaces,
 * processes, temporary files) is removed on close, also when a test fails. Every command and wait is bounded.
 */
final class VrrpLab implements AutoCloseable
{
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String prefix;
    private final String bridge;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final int subnet;

    VrrpLab()
    {
        SystemRequirements.requireRoot();
        SystemRequirements.requireCommand("ip");
        prefix = "vr" + ProcessHandle.current().pid() % 100000 + "x" + SEQUENCE.incrementAndGet();
        subnet = 100 + SEQUENCE.get() % 100;
        bridge = prefix + "-br";
        run("ip", "netns", "add", bridge);
        namespaces.add(bridge);
        exec(bridge, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        exec(bridge, "ip", "link", "set", "br0", "up");
    }

    /** The IPv4 address of appliance {@code k} (1-based). */
    String ipv4(final int k)
    {
        return "10.99." + subnet + "." + k;
    }

    /** An IPv4 address in the LAN for a VIP. */
    String vip(final int k)
    {
        return "10.99." + subnet + "." + (200 + k);
    }

    /** Adds appliance {@code k}: a namespace with eth0 on the bridge, its IPv4 and a link-local fe80::k. */
    String appliance(final int k)
    {
        final String ns = prefix + "-a" + k;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        exec(ns, "ip", "link", "set", "lo", "up");
        exec(ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
        exec(ns, "sysctl", "-qw", "net.ipv6.conf.default.addr_gen_mode=1");
        run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "p" + k, "netns", bridge);
        exec(bridge, "ip", "link", "set", "p" + k, "master", "br0", "up");
        exec(ns, "ip", "address", "add", ipv4(k) + "/24", "dev", "eth0");
        exec(ns, "ip", "address", "add", "fe80::" + k + "/64", "dev", "eth0", "nodad");
        exec(ns, "ip", "link", "set", "eth0", "up");
        return ns;
    }

    /** How long the LAN's bridge remembers the port of a MAC it has not heard from (Linux's default: 300 s). */
    void bridgeAgeing(final java.time.Duration ageing)
    {
        exec(bridge, "ip", "link", "set", "br0", "type", "bridge", "ageing_time",
            String.valueOf(ageing.toMillis() / 10));
    }

    /** The bridge port (p1, p2, ...) where the LAN's bridge has learned {@code mac}; empty when it has not. */
    String portOf(final String mac)
    {
        for (final String line : exec(bridge, "bridge", "fdb", "show", "br", "br0").split("\n"))
        {
            final String[] fields = line.strip().split("\\s+");
            if (fields.length >= 3 && fields[0].equalsIgnoreCase(mac) && fields[1].equals("dev"))
            {
                return fields[2];
            }
        }
        return "";
    }

    /** Lets appliance {@code k}'s bridge port forward, or blocks it (STP state disabled) keeping the carrier. */
    void portState(final int k, final boolean forwarding)
    {
        exec(bridge, "bridge", "link", "set", "dev", "p" + k, "state", forwarding ? "3" : "0");
    }

    String exec(final String ns, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    boolean hasAddress(final String ns, final String address)
    {
        return exec(ns, "ip", "-o", "address", "show", "dev", "eth0").contains(" " + address + "/");
    }

    /** A path for a file a program will create (a pid file); removed on close. */
    Path tempPath(final String name) throws IOException
    {
        final Path dir = Files.createTempDirectory(prefix + "-" + name);
        final Path file = dir.resolve(name);
        files.add(file);
        files.add(dir);
        return file;
    }

    Path tempFile(final String name, final String content) throws IOException
    {
        final Path file = Files.createTempFile(prefix + "-" + name, "");
        files.add(file);
        Files.writeString(file, content);
        return file;
    }

    /** A line of a process's output and when it arrived (System.nanoTime). */
    record Line(long nanos, String text)
    {
    }

    /** A long-running process in {@code ns} whose output lines are collected in {@code lines}; killed on close. */
    Process start(final String ns, final List<Line> lines, final String... command) throws IOException
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        final Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        processes.add(process);
        Thread.ofPlatform().daemon(true).name("lab-output").start(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    lines.add(new Line(System.nanoTime(), line));
                }
            }
            catch (final IOException ignored)
            {
                // the process is gone
            }
        });
        return process;
    }

    static List<Line> lines()
    {
        return new CopyOnWriteArrayList<>();
    }

    /** SIGKILLs a process and all its descendants (keepalived's VRRP child would otherwise stop gracefully). */
    static void kill(final Process process)
    {
        final List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        for (final ProcessHandle handle : all)
        {
            handle.onExit().completeOnTimeout(handle, 10, TimeUnit.SECONDS).join();
        }
    }

    /** SIGTERMs a process and waits (bounded) for it and its descendants to exit. */
    static void terminate(final Process process)
    {
        final List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        process.destroy();
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                kill(process);
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        for (final ProcessHandle handle : all)
        {
            handle.onExit().completeOnTimeout(handle, 10, TimeUnit.SECONDS).join();
        }
    }

    /** Waits until {@code condition} holds; returns the nanoseconds waited, or -1 at the timeout. */
    static long await(final BooleanSupplier condition, final long timeoutMillis)
    {
        final long start = System.nanoTime();
        final long deadline = start + timeoutMillis * 1_000_000L;
        while (System.nanoTime() - deadline < 0)
        {
            if (condition.getAsBoolean())
            {
                return System.nanoTime() - start;
            }
            try
            {
                Thread.sleep(2);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return condition.getAsBoolean() ? System.nanoTime() - start : -1;
    }

    /** Runs a setup command (ip, sysctl, nft); its output, or an exception naming it. */
    static String run(final String... command)
    {
        return Commands.check(LIMIT, List.of(command));
    }

    @Override
    public void close()
    {
        for (final Process process : processes)
        {
            if (process.isAlive() || process.descendants().findAny().isPresent())
            {
                kill(process);
            }
        }
        for (final String ns : namespaces.reversed())
        {
            try
            {
                run("ip", "netns", "delete", ns);
            }
            catch (final RuntimeException e)
            {
                System.err.println("VrrpLab: could not delete " + ns + ": " + e.getMessage());
            }
        }
        for (final Path file : files)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ignored)
            {
                // a temporary file
            }
        }
    }
}
