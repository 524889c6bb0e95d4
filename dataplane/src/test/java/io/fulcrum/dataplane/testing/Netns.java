package io.fulcrum.dataplane.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.fulcrum.dataplane.sys.Commands;

/**
 * Network namespaces and veth links that a test creates and removes again, also when it fails: create it in a
 * try-with-resources (or @AfterEach) and everything it made is deleted on close. Names carry the pid so that
 * parallel or crashed runs never collide. Commands are run with iproute2 ({@code ip}), bounded in time.
 */
public final class Netns implements AutoCloseable
{
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final List<String> namespaces = new ArrayList<>();
    private final String prefix;

    public Netns()
    {
        SystemRequirements.requireRoot();
        SystemRequirements.requireCommand("ip");
        prefix = "ft" + ProcessHandle.current().pid() % 100000 + "x" + SEQUENCE.incrementAndGet();
    }

    /** Creates a namespace named {@code prefix-name}, with loopback up, and returns its full name. */
    public String namespace(final String name)
    {
        final String full = prefix + "-" + name;
        run("ip", "netns", "add", full);
        namespaces.add(full);
        exec(full, "ip", "link", "set", "lo", "up");
        return full;
    }

    /**
     * Creates a veth pair with one end in each namespace, both up, addressed with the given CIDRs (may be null).
     * Interface names must be at most 15 characters.
     */
    public void veth(final String nsA, final String ifA, final String cidrA,
        final String nsB, final String ifB, final String cidrB)
    {
        run("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        up(nsA, ifA, cidrA);
        up(nsB, ifB, cidrB);
    }

    private void up(final String ns, final String ifName, final String cidr)
    {
        if (cidr != null)
        {
            exec(ns, "ip", "address", "add", cidr, "dev", ifName, cidr.contains(":") ? "nodad" : "noprefixroute");
        }
        exec(ns, "ip", "link", "set", ifName, "up");
    }

    /** Runs a command inside a namespace and returns its standard output; throws with its error output on failure. */
    public String exec(final String ns, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    /** Starts a long-running command inside a namespace; the caller destroys it (close() does not). */
    public Process start(final String ns, final String... command) throws IOException
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return new ProcessBuilder(full).redirectErrorStream(true).start();
    }

    public static String run(final String... command)
    {
        return Commands.check(LIMIT, List.of(command));
    }

    /** Deletes every namespace this object created; veth ends inside them go with them. */
    @Override
    public void close()
    {
        for (final String ns : namespaces)
        {
            try
            {
                run("ip", "netns", "delete", ns);
            }
            catch (final RuntimeException e)
            {
                System.err.println("Netns: could not delete " + ns + ": " + e.getMessage());
            }
        }
        namespaces.clear();
    }
}
