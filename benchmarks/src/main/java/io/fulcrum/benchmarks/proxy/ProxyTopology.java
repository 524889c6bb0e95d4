package io.fulcrum.benchmarks.proxy;

import java.util.List;

import io.fulcrum.benchmarks.harness.BenchNamespaces;
import io.fulcrum.benchmarks.harness.Shell;

/**
 * The proxy benchmark's network: three namespaces under the prefix {@code fp-} (never a user's lab, {@code fl-}, nor
 * the packet-rate harness's {@code fb-}), joined by two veth pairs, private addresses in 10.77.0.0/16.
 *
 * <pre>
 *   fp-client                     fp-proxy                          fp-backend
 *   fpc0 10.77.1.2/24 <-veth-> fpp0 10.77.1.1/24
 *                                  VIP 10.77.2.1/32 (on fpp0)
 *                              fpp1 10.77.3.1/24 <-veth->  fpb0 10.77.3.2/24, 10.77.3.3/24 (nginx :8080)
 * </pre>
 *
 * wrk runs in fp-client, the proxy under test in fp-proxy, nginx in fp-backend. The direct case (wrk straight to
 * nginx) is routed through fp-proxy by the kernel, so every case crosses the same two veth hops; no proxy runs then.
 * A veth does its receive work in the softirq of the sending CPU: what wrk and nginx send is received on their CPU,
 * what the proxy sends on the proxy's CPU (and is charged to the proxy, as a NIC's receive work would not be).
 */
final class ProxyTopology implements AutoCloseable
{
    static final String CLIENT_NS = "fp-client";
    static final String PROXY_NS = "fp-proxy";
    static final String BACKEND_NS = "fp-backend";
    static final List<String> NAMESPACES = List.of(CLIENT_NS, PROXY_NS, BACKEND_NS);
    static final String CLIENT_ADDRESS = "10.77.1.2";
    static final String PROXY_CLIENT_SIDE = "10.77.1.1";
    static final String VIP = "10.77.2.1";
    static final int VIP_PORT = 80;
    static final String PROXY_BACKEND_SIDE = "10.77.3.1";
    static final List<String> BACKENDS = List.of("10.77.3.2", "10.77.3.3");
    static final int BACKEND_PORT = 8080;

    private final BenchNamespaces namespaces;

    private ProxyTopology(final BenchNamespaces namespaces)
    {
        this.namespaces = namespaces;
    }

    /** Builds namespaces, links, addresses and routes; namespaces an earlier run left are removed first. */
    static ProxyTopology create()
    {
        final ProxyTopology topology = new ProxyTopology(BenchNamespaces.create("proxy", NAMESPACES));
        try
        {
            topology.build();
            return topology;
        }
        catch (final RuntimeException e)
        {
            topology.close();
            throw e;
        }
    }

    private void build()
    {
        Shell.check("ip", "link", "add", "fpc0", "netns", CLIENT_NS, "type", "veth", "peer", "name", "fpp0", "netns",
            PROXY_NS);
        Shell.check("ip", "link", "add", "fpp1", "netns", PROXY_NS, "type", "veth", "peer", "name", "fpb0", "netns",
            BACKEND_NS);
        Shell.check("ip", "-n", CLIENT_NS, "addr", "add", CLIENT_ADDRESS + "/24", "dev", "fpc0");
        Shell.check("ip", "-n", PROXY_NS, "addr", "add", PROXY_CLIENT_SIDE + "/24", "dev", "fpp0");
        Shell.check("ip", "-n", PROXY_NS, "addr", "add", VIP + "/32", "dev", "fpp0");
        Shell.check("ip", "-n", PROXY_NS, "addr", "add", PROXY_BACKEND_SIDE + "/24", "dev", "fpp1");
        for (final String backend : BACKENDS)
        {
            Shell.check("ip", "-n", BACKEND_NS, "addr", "add", backend + "/24", "dev", "fpb0");
        }
        Shell.check("ip", "-n", CLIENT_NS, "link", "set", "fpc0", "up");
        Shell.check("ip", "-n", PROXY_NS, "link", "set", "fpp0", "up");
        Shell.check("ip", "-n", PROXY_NS, "link", "set", "fpp1", "up");
        Shell.check("ip", "-n", BACKEND_NS, "link", "set", "fpb0", "up");
        Shell.check("ip", "-n", CLIENT_NS, "route", "add", "10.77.0.0/16", "via", PROXY_CLIENT_SIDE);
        Shell.check("ip", "-n", BACKEND_NS, "route", "add", "10.77.0.0/16", "via", PROXY_BACKEND_SIDE);
        // Forwarding only carries the direct case; the proxies' traffic ends at the VIP, a local address.
        Shell.checkIn(PROXY_NS, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        for (final String ns : NAMESPACES)
        {
            // Connection per request: tens of thousands of connections in the window, each leaving a TIME_WAIT
            // behind on one side; the whole port range and reuse of TIME_WAIT ports for new connects keep the
            // client (and a proxy's connects to the backends) from running out of ports.
            Shell.checkIn(ns, "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65535",
                "net.ipv4.tcp_tw_reuse=1", "net.core.somaxconn=4096");
        }
    }

    /** True when none of the benchmark's namespaces exists (a run that ended, however it ended, leaves none). */
    static boolean gone()
    {
        return NAMESPACES.stream().noneMatch(BenchNamespaces::exists);
    }

    /** Deletes the namespaces, which removes the veths, addresses and routes inside them. */
    @Override
    public void close()
    {
        namespaces.close();
    }
}
