package io.fulcrum.vrrp;

import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;

import io.fulcrum.dataplane.sys.Nftables;

/**
 * Accept_Mode False (RFC 9568 section 6.1, the default): a Master that is not the address owner must not accept
 * packets addressed to the virtual addresses as its own. Linux delivers whatever is addressed to an address on an
 * interface, so an nftables table of the agent's own ({@code inet fulcrum-vrrp}) drops, in the input hook (local
 * delivery only), every packet to a virtual address of such an instance, except IPv6 neighbour solicitations and
 * advertisements (section 6.4.3 wants the Master to answer ND for its addresses; ARP is not IP and never reaches the
 * hook). What the load balancer serves is untouched: the data plane takes service traffic before the kernel's input
 * (AF_XDP steers it away; with AF_PACKET its copy is forwarded and the kernel's copy is dropped in prerouting by the
 * daemon's own table), so the rule only stops the box itself answering, e.g. ICMP echo or TCP to other ports.
 *
 * <p>The table is written once when the agent starts, not on each takeover: its rules match only while the address
 * is on the box, so nothing runs on the takeover's path. An owner (priority 255) and an instance with Accept_Mode
 * True get no rule. The table is removed when the agent stops.
 */
final class AcceptModeFilter implements AutoCloseable
{
    static final String TABLE = "fulcrum-vrrp";
    private static final System.Logger LOG = System.getLogger(AcceptModeFilter.class.getName());

    private final Nftables nft;

    private AcceptModeFilter(final Nftables nft)
    {
        this.nft = nft;
    }

    /** Whether {@code settings} needs the filter: Accept_Mode False and not the address owner. */
    static boolean applies(final VrrpSettings settings)
    {
        return !settings.acceptMode() && settings.priority() != VrrpInstance.OWNER_PRIORITY;
    }

    /**
     * Installs the rules for {@code settings} in the calling thread's network namespace (nft inherits it), or returns
     * null when no instance needs them. Without nft it logs that accept mode cannot be enforced and returns null.
     */
    static AcceptModeFilter install(final List<VrrpSettings> settings)
    {
        final List<VrrpSettings> filtered = new ArrayList<>();
        for (final VrrpSettings instance : settings)
        {
            if (applies(instance))
            {
                filtered.add(instance);
            }
        }
        if (filtered.isEmpty())
        {
            return null;
        }
        final Nftables nft = Nftables.find().orElse(null);
        if (nft == null)
        {
            LOG.log(System.Logger.Level.WARNING, "accept mode off cannot be enforced: nftables (nft) is not installed;"
                + " a master will answer for the virtual addresses itself (apt-get install nftables)");
            return null;
        }
        nft.apply(rules(filtered));
        return new AcceptModeFilter(nft);
    }

    /** The nft script: the table replaced whole (created empty first, so that deleting it never fails). */
    static String rules(final List<VrrpSettings> instances)
    {
        final StringBuilder rules = new StringBuilder();
        rules.append("table inet ").append(TABLE).append(" {}\n");
        rules.append("delete table inet ").append(TABLE).append('\n');
        rules.append("table inet ").append(TABLE).append(" {\n");
        rules.append("  chain accept-mode {\n    type filter hook input priority filter; policy accept;\n");
        rules.append("    iif lo accept\n"); // the box talking to itself is not a packet from the LAN
        for (final VrrpSettings instance : instances)
        {
            for (final VirtualAddress vip : instance.virtualAddresses())
            {
                final boolean v6 = vip.address() instanceof Inet6Address;
                final String address = vip.address().getHostAddress().replaceFirst("%.*$", "");
                if (v6)
                {
                    rules.append("    ip6 daddr ").append(address)
                        .append(" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n");
                }
                rules.append("    ").append(v6 ? "ip6" : "ip").append(" daddr ").append(address)
                    .append(" drop comment \"").append(instance.name()).append(": accept mode off\"\n");
            }
        }
        rules.append("  }\n}\n");
        return rules.toString();
    }

    @Override
    public void close()
    {
        try
        {
            nft.deleteTable("inet", TABLE);
        }
        catch (final IllegalStateException e)
        {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the accept-mode table: {0}", e.getMessage());
        }
    }
}
