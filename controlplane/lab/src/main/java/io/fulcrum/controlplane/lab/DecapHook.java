package io.fulcrum.controlplane.lab;

/**
 * Decapsulates IPIP and IPv6-in-IPv6 on a backend whose kernel has no tunnel device types (no ipip, ip6tnl, fou):
 * the data plane's XDP decap program (as Katran's decap does). Called once per backend, after its
 * namespace, LAN port and VIPs exist; returns one plain sentence saying what it did, for the lab's report.
 * It may throw {@link LabException}: the lab then fails and removes everything it made.
 */
@FunctionalInterface
public interface DecapHook
{
    /**
     * XDP decapsulation held by the backend's own server process (started with {@code --xdp-decap}): a BPF link
     * lives as long as the process that made it, and the server lives as long as the backend.
     */
    DecapHook XDP_IN_SERVER = (backend, lanInterface) ->
        "decapsulation: XDP program on " + lanInterface + ", held by the backend's server (this kernel has no ipip)";

    String install(LabNode backend, String lanInterface);
}
