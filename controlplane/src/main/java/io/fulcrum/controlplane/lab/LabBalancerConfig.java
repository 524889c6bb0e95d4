package io.fulcrum.controlplane.lab;

import java.util.Map;

/**
 * The Fulcrum config that lb1 runs in the lab: one service per VIP on port 80/tcp, forwarded by IPIP (RFC 2003;
 * IPv6-in-IPv6 for the IPv6 VIP) to a pool of the three backends (one per address family), which the balancer reaches directly on the LAN.
 * A plain template in the shape of the config schema; the config module reads it.
 */
public final class LabBalancerConfig
{
    private LabBalancerConfig()
    {
    }

    /** The YAML text, with {@code macs} giving each backend's LAN MAC by node name. */
    public static String render(final LabTopology topology, final Map<String, String> macs)
    {
        final LabNode balancer = topology.primaryBalancer();
        final StringBuilder yaml = new StringBuilder();
        yaml.append("# Fulcrum on ").append(balancer.name()).append(" in the lab '").append(topology.prefix())
            .append("' (written by fulcrum lab)\n");
        yaml.append("dataplane: { interfaces: [").append(balancer.lanInterface())
            .append("], port: auto, workers: 1, idle: backoff, mtu: 1500 }\n");
        yaml.append("services:\n");
        yaml.append("  - { name: web4, vip: ").append(LabTopology.VIP4).append(", port: ").append(LabTopology.HTTP_PORT)
            .append(", protocol: tcp, forwarding: ipip, pool: web4 }\n");
        yaml.append("  - { name: web6, vip: \"").append(LabTopology.VIP6).append("\", port: ")
            .append(LabTopology.HTTP_PORT).append(", protocol: tcp, forwarding: ipip, pool: web6 }\n");
        yaml.append("pools:\n");
        // One pool per family: the outer header of IPv6-in-IPv6 (RFC 2473) is addressed to the backend's IPv6.
        pool(yaml, "web4", topology, macs, false);
        pool(yaml, "web6", topology, macs, true);
        return yaml.toString();
    }

    private static void pool(final StringBuilder yaml, final String name, final LabTopology topology,
        final Map<String, String> macs, final boolean ipv6)
    {
        yaml.append("  - name: ").append(name).append('\n');
        yaml.append("    backends:\n");
        for (final LabNode backend : topology.backends())
        {
            final String mac = macs.get(backend.name());
            if (mac == null)
            {
                throw new IllegalArgumentException("no MAC given for " + backend.name());
            }
            final String address = ipv6 ? "\"" + backend.lan6() + "\"" : backend.lan4();
            yaml.append("      - { address: ").append(address).append(", mac: \"").append(mac)
                .append("\" }   # ").append(backend.name()).append('\n');
        }
    }
}
