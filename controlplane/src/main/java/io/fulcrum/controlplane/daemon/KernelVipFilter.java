package io.fulcrum.controlplane.daemon;

import java.util.List;

import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.sys.Nftables;

/**
 * Keeps the kernel from answering service traffic for a VIP it owns: it would reset every TCP flow it does not know.
 * An nftables table ({@code inet fulcrum}) drops service traffic in prerouting. With AF_PACKET the kernel receives a
 * copy of every frame, and the table drops it after AF_PACKET's tap has seen it (taps run before netfilter). With
 * AF_XDP the XDP program steers the traffic away from the kernel while the daemon runs, but its link dies with the
 * process: after a kill -9 the VIP stays on the interface until the peer takes over, and without this table the
 * kernel would reset the very flows the peer is about to carry on (connection sync, restart with the persistent
 * table). Kernel state, so it outlives a crash; replaced whole on every start and reload, removed on a clean stop.
 */
final class KernelVipFilter implements AutoCloseable
{
    static final String TABLE = "fulcrum";

    private final Nftables nft;

    private KernelVipFilter(final Nftables nft)
    {
        this.nft = nft;
    }

    static KernelVipFilter install(final List<Service> services)
    {
        final KernelVipFilter filter = new KernelVipFilter(Nftables.find().orElseThrow(() -> new IllegalStateException(
            "the data plane needs nftables so that the kernel does not answer VIP traffic itself: install it "
                + "(apt-get install nftables)")));
        filter.update(services);
        return filter;
    }

    /** Replaces the table's rules with one per service, atomically (one nft transaction). */
    void update(final List<Service> services)
    {
        final StringBuilder rules = new StringBuilder();
        rules.append("table inet ").append(TABLE).append(" {}\n");
        rules.append("delete table inet ").append(TABLE).append("\n");
        rules.append("table inet ").append(TABLE).append(" {\n");
        rules.append("  chain services {\n    type filter hook prerouting priority -300; policy accept;\n");
        for (final Service service : services)
        {
            final boolean v6 = IpLiterals.format(service.vip()).contains(":");
            rules.append("    ").append(v6 ? "ip6" : "ip").append(" daddr ").append(IpLiterals.format(service.vip()))
                .append(' ').append(service.protocol() == Service.TCP ? "tcp" : "udp").append(" dport ")
                .append(service.port()).append(" drop\n");
        }
        rules.append("  }\n}\n");
        nft.apply(rules.toString());
    }

    @Override
    public void close()
    {
        nft.deleteTable("inet", TABLE);
    }
}
