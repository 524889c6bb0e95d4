package io.fulcrum.controlplane.lab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The Fulcrum config that lb1 runs in the lab: one service per VIP on port 80/tcp, forwarded by IPIP (RFC 2003;
 * IPv6-in-IPv6 for the IPv6 VIP, RFC 2473) to a pool of the three backends (one pool per address family: the outer
 * header is addressed to the backend's address of the inner packet's family), which lb1 reaches directly on the LAN.
 * Beside them an http proxy service on {@link LabTopology#PROXY_VIP4}:80, whose pool is the same backends reached on
 * their own addresses (no tunnel, no VIP on the backend), under a scheduler the lab can change by a reload.
 * The same schema as every other Fulcrum config; tests load it with the real loader.
 */
public final class LabBalancerConfig
{
    /** The management API's port inside lb1. */
    public static final int API_PORT = 9090;

    private LabBalancerConfig()
    {
    }

    /**
     * The YAML text.
     *
     * @param macs         each backend's LAN MAC by node name
     * @param packetIo     {@code auto}, {@code af_xdp} or {@code af_packet}
     * @param countersFile where lb1's counters go (two appliances in one machine must not share the default)
     * @param left         backends left out of the pools (taken out by the lab)
     */
    public static String render(final LabTopology topology, final Map<String, String> macs, final String packetIo,
        final Path countersFile, final Set<String> left)
    {
        return render(topology, macs, packetIo, countersFile, left, null);
    }

    /** With {@code tokenFile}, lb1 also serves the management API on 127.0.0.1:9090 inside its namespace. */
    public static String render(final LabTopology topology, final Map<String, String> macs, final String packetIo,
        final Path countersFile, final Set<String> left, final Path tokenFile)
    {
        return render(topology, topology.primaryBalancer(), PRIMARY_PRIORITY, macs, packetIo, countersFile, left,
            tokenFile, ADVERT_INTERVAL);
    }

    /** The primary's VRRP priority; the standby gets {@link #STANDBY_PRIORITY}. */
    public static final int PRIMARY_PRIORITY = 150;
    public static final int STANDBY_PRIORITY = 100;
    /** Advert interval of the lab's pair: Master_Down_Interval is about 360 ms. */
    public static final String ADVERT_INTERVAL = "100ms";
    /** The scheduler of the proxy service unless the lab is told another. */
    public static final String DEFAULT_PROXY_SCHEDULER = "round-robin";
    /** The proxy VIP's VRRP instance (its own: it must accept traffic to the VIP, see {@link #render}). */
    public static final int PROXY_VRID = 53;

    /**
     * The config of one appliance of the pair: the same services and pools on both; VRRP instances for the IPv4 and
     * the IPv6 VIP in one sync group, so both VIPs always sit on the same box; {@code priority} decides which.
     */
    public static String render(final LabTopology topology, final LabNode balancer, final int priority,
        final Map<String, String> macs, final String packetIo, final Path countersFile, final Set<String> left,
        final Path tokenFile, final String advertInterval)
    {
        return render(topology, balancer, priority, macs, packetIo, countersFile, left, tokenFile, advertInterval,
            null);
    }

    /**
     * As above; with {@code syncKeyFile} (and VRRP), the pair also syncs its connection tables over the sync link
     * ({@link LabTopology#SYNC_INTERFACE}), so that established connections survive a failover.
     */
    public static String render(final LabTopology topology, final LabNode balancer, final int priority,
        final Map<String, String> macs, final String packetIo, final Path countersFile, final Set<String> left,
        final Path tokenFile, final String advertInterval, final Path syncKeyFile)
    {
        return render(topology, balancer, priority, macs, packetIo, countersFile, left, tokenFile, advertInterval,
            syncKeyFile, null);
    }

    /**
     * As above; with {@code trackPools} (YAML flow text of a {@code track-pools} list, e.g.
     * {@code [{ pool: web4, min-healthy: 3, weight: -60 }]}), both VRRP instances track those pools.
     */
    public static String render(final LabTopology topology, final LabNode balancer, final int priority,
        final Map<String, String> macs, final String packetIo, final Path countersFile, final Set<String> left,
        final Path tokenFile, final String advertInterval, final Path syncKeyFile, final String trackPools)
    {
        return render(topology, balancer, priority, macs, packetIo, countersFile, left, tokenFile, advertInterval,
            syncKeyFile, trackPools, DEFAULT_PROXY_SCHEDULER);
    }

    /**
     * As above, with the proxy service under {@code proxyScheduler} ({@code round-robin}, {@code least-connections},
     * {@code least-response-time}, {@code ip-hash}, {@code random-two-choices} or {@code maglev}).
     */
    public static String render(final LabTopology topology, final LabNode balancer, final int priority,
        final Map<String, String> macs, final String packetIo, final Path countersFile, final Set<String> left,
        final Path tokenFile, final String advertInterval, final Path syncKeyFile, final String trackPools,
        final String proxyScheduler)
    {
        final String tracking = trackPools == null ? "" : ", track-pools: " + trackPools;
        final StringBuilder yaml = new StringBuilder();
        yaml.append("# Fulcrum on ").append(balancer.name()).append(" in the lab '").append(topology.prefix())
            .append("' (written by fulcrum lab)\n");
        yaml.append("dataplane:\n");
        yaml.append("  interfaces: [").append(balancer.lanInterface()).append("]\n");
        yaml.append("  packet-io: ").append(packetIo).append('\n');
        yaml.append("  workers: 1\n  idle: backoff\n  mtu: 1500\n");
        yaml.append("  connection-table: { capacity: 65536, file: ")
            .append(countersFile.resolveSibling(balancer.name() + ".connections")).append(" }\n");
        yaml.append("  counters-file: ").append(countersFile).append('\n');
        if (tokenFile != null)
        {
            yaml.append("api: { listen: \"127.0.0.1:").append(API_PORT).append("\", token-file: ").append(tokenFile)
                .append(" }\n");
        }
        if (advertInterval != null) // null: another VRRP daemon (keepalived) moves the VIPs
        {
            yaml.append("vrrp:\n");
            yaml.append("  - { name: VI_4, interface: ").append(balancer.lanInterface()).append(", vrid: 51, priority: ")
                .append(priority).append(", advert-interval: ").append(advertInterval).append(", virtual-addresses: [\"")
                .append(LabTopology.VIP4).append("/32\"], sync-group: vips").append(tracking).append(" }\n");
            yaml.append("  - { name: VI_6, interface: ").append(balancer.lanInterface()).append(", vrid: 52, priority: ")
                .append(priority).append(", advert-interval: ").append(advertInterval).append(", virtual-addresses: [\"")
                .append(LabTopology.VIP6).append("/128\"], sync-group: vips").append(tracking).append(" }\n");
            // accept: the master must take the proxy VIP's traffic itself (RFC 9568 Accept_Mode), not only forward it.
            yaml.append("  - { name: VI_P4, interface: ").append(balancer.lanInterface()).append(", vrid: ")
                .append(PROXY_VRID).append(", priority: ").append(priority).append(", advert-interval: ")
                .append(advertInterval).append(", virtual-addresses: [\"").append(LabTopology.PROXY_VIP4)
                .append("/32\"], sync-group: vips, accept: true").append(tracking).append(" }\n");
            if (syncKeyFile != null)
            {
                final boolean primary = balancer.equals(topology.primaryBalancer());
                yaml.append("sync: { local: \"").append(primary ? LabTopology.SYNC_LB1 : LabTopology.SYNC_LB2)
                    .append(':').append(LabTopology.SYNC_PORT).append("\", peer: \"")
                    .append(primary ? LabTopology.SYNC_LB2 : LabTopology.SYNC_LB1).append(':')
                    .append(LabTopology.SYNC_PORT).append("\", key-file: ").append(syncKeyFile)
                    .append(", max-bandwidth: 10mbit }\n");
            }
        }
        yaml.append("services:\n");
        yaml.append("  - { name: web4, vip: ").append(LabTopology.VIP4).append(", port: ").append(LabTopology.HTTP_PORT)
            .append(", protocol: tcp, forwarding: ipip, pool: web4 }\n");
        yaml.append("  - { name: web6, vip: \"").append(LabTopology.VIP6).append("\", port: ")
            .append(LabTopology.HTTP_PORT).append(", protocol: tcp, forwarding: ipip, pool: web6 }\n");
        // The failover probe: UDP echo on the backends, one datagram a millisecond from the client.
        yaml.append("  - { name: echo4, vip: ").append(LabTopology.VIP4).append(", port: ")
            .append(LabBackendServer.ECHO_PORT).append(", protocol: udp, forwarding: ipip, pool: web4 }\n");
        // The proxy: lb1 accepts the client's connection and sends each request on to a backend's own address.
        yaml.append("  - { name: ").append(PROXY_SERVICE).append(", vip: ").append(LabTopology.PROXY_VIP4)
            .append(", port: ").append(LabTopology.HTTP_PORT).append(", mode: http, scheduler: ")
            .append(proxyScheduler).append(", pool: ").append(PROXY_POOL).append(" }\n");
        yaml.append("pools:\n");
        pool(yaml, "web4", topology, macs, false, left);
        pool(yaml, "web6", topology, macs, true, left);
        proxyPool(yaml, topology, left);
        return yaml.toString();
    }

    /** The proxy service's name and its pool's. */
    public static final String PROXY_SERVICE = "proxy4";
    public static final String PROXY_POOL = "proxy4";

    /** The backends by their own IPv4 address only: the proxy connects to them, so no MAC and no tunnel. */
    private static void proxyPool(final StringBuilder yaml, final LabTopology topology, final Set<String> left)
    {
        yaml.append("  - name: ").append(PROXY_POOL).append('\n');
        yaml.append("    health-check: { type: http, port: ").append(LabTopology.HTTP_PORT)
            .append(", path: /, interval: 500ms, timeout: 300ms, rise: 2, fall: 3 }\n");
        yaml.append("    backends:\n");
        for (final LabNode backend : topology.backends())
        {
            yaml.append(left.contains(backend.name()) ? "    # taken out by the lab: " : "")
                .append("      - { address: ").append(backend.lan4()).append(" }   # ").append(backend.name())
                .append('\n');
        }
    }

    private static void pool(final StringBuilder yaml, final String name, final LabTopology topology,
        final Map<String, String> macs, final boolean ipv6, final Set<String> left)
    {
        yaml.append("  - name: ").append(name).append('\n');
        // The balancer asks each backend itself: three failed checks (1.5 s) take it out, two good ones bring it back.
        yaml.append("    health-check: { type: http, port: ").append(LabTopology.HTTP_PORT)
            .append(", path: /, interval: 500ms, timeout: 300ms, rise: 2, fall: 3 }\n");
        yaml.append("    backends:\n");
        for (final LabNode backend : topology.backends())
        {
            final String mac = macs.get(backend.name());
            if (mac == null)
            {
                throw new IllegalArgumentException("no MAC given for " + backend.name());
            }
            final String address = ipv6 ? "\"" + backend.lan6() + "\"" : backend.lan4();
            yaml.append(left.contains(backend.name()) ? "    # taken out by the lab: " : "")
                .append("      - { address: ").append(address).append(", mac: \"").append(mac)
                .append("\" }   # ").append(backend.name()).append('\n');
        }
    }

    /**
     * keepalived's configuration for one appliance of the pair (VRRPv3, the same VRIDs, priorities, interval and sync
     * group as Fulcrum's), for comparing the two on the same lab.
     */
    public static String keepalived(final LabNode balancer, final int priority, final Duration advertInterval)
    {
        final String interval = String.format(java.util.Locale.ROOT, "%.2f", advertInterval.toMillis() / 1000.0);
        return "global_defs {\n  vrrp_version 3\n  script_user root\n  enable_script_security\n}\n"
            + "vrrp_sync_group vips {\n  group {\n    VI_4\n    VI_6\n    VI_P4\n  }\n}\n"
            + instance("VI_4", 51, balancer, priority, interval, LabTopology.VIP4 + "/32", "")
            + instance("VI_6", 52, balancer, priority, interval, LabTopology.VIP6 + "/128", "")
            + instance("VI_P4", PROXY_VRID, balancer, priority, interval, LabTopology.PROXY_VIP4 + "/32", "  accept\n");
    }

    private static String instance(final String name, final int vrid, final LabNode balancer, final int priority,
        final String interval, final String vip, final String options)
    {
        return "vrrp_instance " + name + " {\n  state BACKUP\n  interface " + balancer.lanInterface() + "\n"
            + "  virtual_router_id " + vrid + "\n  priority " + priority + "\n  advert_int " + interval + "\n"
            + options + "  virtual_ipaddress {\n    " + vip + "\n  }\n}\n";
    }
}
