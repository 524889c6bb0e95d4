package io.fulcrum.benchmarks.harness;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * The network namespaces of one harness run, each with its loopback up and no IPv6 (router solicitations and MLD
 * reports would only add noise). Their names carry the harness's own prefix, so that a benchmark never touches a
 * user's lab ({@code fl-}) or another harness; deleting a namespace removes its veths, addresses, rules and programs.
 */
public final class BenchNamespaces implements AutoCloseable
{
    private final String harness;
    private final List<String> created = new ArrayList<>();

    private BenchNamespaces(final String harness)
    {
        this.harness = harness;
    }

    /**
     * Adds {@code names}, after removing those an earlier run that died left behind; {@code harness} names the
     * harness in messages. On failure, what was added is deleted again before the exception leaves.
     */
    public static BenchNamespaces create(final String harness, final List<String> names)
    {
        final BenchNamespaces namespaces = new BenchNamespaces(harness);
        for (final String ns : names)
        {
            if (exists(ns))
            {
                System.err.println(harness + ": removing namespace " + ns + " left by an earlier run");
                Shell.attempt("ip", "netns", "del", ns);
            }
        }
        try
        {
            for (final String ns : names)
            {
                Shell.check("ip", "netns", "add", ns);
                namespaces.created.add(ns);
                Shell.check("ip", "-n", ns, "link", "set", "lo", "up");
                Shell.checkIn(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1");
            }
            return namespaces;
        }
        catch (final RuntimeException e)
        {
            namespaces.close();
            throw e;
        }
    }

    public static boolean exists(final String ns)
    {
        return new File("/run/netns/" + ns).exists();
    }

    /** Deletes the namespaces, newest first; idempotent. */
    @Override
    public void close()
    {
        for (final String ns : created.reversed())
        {
            if (!Shell.attempt("ip", "netns", "del", ns))
            {
                System.err.println(harness + ": could not delete namespace " + ns);
            }
        }
        created.clear();
    }
}
