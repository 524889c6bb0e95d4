package io.fulcrum.controlplane.lab;

/**
 * Decapsulates IPIP and IPv6-in-IPv6 on a backend whose kernel has no tunnel device types (no ipip, ip6tnl, fou):
 * the data plane's XDP decap program (as Katran's decap does) goes here. Called once per backend, after its
 * namespace, LAN port and VIPs exist; returns one plain sentence saying what it did, for the lab's report.
 * It may throw {@link LabException}: the lab then fails and removes everything it made.
 */
@FunctionalInterface
public interface DecapHook
{
    /** The hook until the XDP decap program exists: it installs nothing and says so. */
    DecapHook NOT_INSTALLED = (backend, lanInterface) ->
        "decapsulation: kernel has no ipip; XDP decap not installed yet";

    String install(LabNode backend, String lanInterface);
}
