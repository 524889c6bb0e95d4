package io.fulcrum.controlplane.lab;

import java.util.List;

import io.fulcrum.dataplane.sys.Commands;

/**
 * Makes a backend able to take the balancer's encapsulated packets (RFC 2003 IPIP, RFC 2473 IPv6-in-IPv6): the
 * outer header is removed and the inner packet, addressed to a VIP on the backend's loopback, is delivered locally;
 * the reply goes straight to the client (direct server return).
 *
 * <p>Where the kernel has the tunnel types (as real deployments do) it creates collect-metadata ("external")
 * {@code ipip} and {@code ip6tnl} devices, which accept tunnelled packets from any balancer, like the fallback
 * {@code tunl0}/{@code ip6tnl0}. Whether it can is found by trying, inside the backend's namespace, since a kernel
 * without the modules answers "Unknown device type". Otherwise it hands over to a {@link DecapHook}.
 */
public final class BackendDecap
{
    public static final String IPIP_DEVICE = "ipip0";
    public static final String IP6TNL_DEVICE = "ipip60";

    private final DecapHook fallback;

    public BackendDecap(final DecapHook fallback)
    {
        this.fallback = fallback;
    }

    /**
     * Whether the backend's kernel can decapsulate with tunnel devices: with the ipip module loaded every namespace
     * gets the fallback device {@code tunl0}.
     */
    public static boolean kernelHasTunnels(final LabNode backend)
    {
        return Commands.run(Commands.DEFAULT_LIMIT,
            Commands.inNamespace(backend.namespace(), List.of("ip", "link", "show", "tunl0"))).succeeded();
    }

    /** Sets up decapsulation on one backend and returns what was done, in one sentence. */
    public String install(final LabNode backend)
    {
        final String ns = backend.namespace();
        if (!kernelHasTunnels(backend))
        {
            return fallback.install(backend, backend.lanInterface());
        }
        Commands.checkIn(ns, "ip", "link", "add", "name", IPIP_DEVICE, "type", "ipip", "external");
        Commands.checkIn(ns, "ip", "link", "add", "name", IP6TNL_DEVICE, "type", "ip6tnl", "external");
        // Decapsulated packets carry the client's source, which the tunnel device would otherwise reject
        // (RFC 3704 reverse-path filtering): the effective value is the larger of "all" and the device's own.
        Commands.checkIn(ns, "sysctl", "-q", "-w", "net.ipv4.conf." + IPIP_DEVICE + ".rp_filter=0");
        Commands.checkIn(ns, "ip", "link", "set", IPIP_DEVICE, "up");
        Commands.checkIn(ns, "ip", "link", "set", IP6TNL_DEVICE, "up");
        return "decapsulation: kernel ipip device " + IPIP_DEVICE + " and ip6tnl device " + IP6TNL_DEVICE;
    }
}
