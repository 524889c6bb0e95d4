package io.fulcrum.benchmarks.e2e;

import io.fulcrum.benchmarks.harness.Shell;

/**
 * The kernel as the balancer: IPv4 forwarding on in the balancer namespace and one nftables rule that DNATs the VIP
 * to the sink, out of the interface it came in on. Each source port is a conntrack entry, as each would be a
 * connection for a real NAT balancer. Closing removes the table and turns forwarding off again.
 */
final class NftablesDnat implements AutoCloseable
{
    private static final String TABLE = "fb_bench";

    private NftablesDnat()
    {
    }

    static NftablesDnat install()
    {
        final String rules = "table ip " + TABLE + " {\n"
            + "  chain prerouting {\n"
            + "    type nat hook prerouting priority dstnat; policy accept;\n"
            + "    ip daddr " + BenchTopology.VIP + " udp dport " + BenchTopology.VIP_PORT + " dnat to "
            + BenchTopology.SINK_ADDRESS + "\n"
            + "  }\n"
            + "}\n";
        Shell.checkWithInput(rules, Shell.inNamespace(BenchTopology.LB_NS, "nft", "-f", "-"));
        Shell.checkIn(BenchTopology.LB_NS, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        return new NftablesDnat();
    }

    @Override
    public void close()
    {
        Shell.attempt(Shell.inNamespace(BenchTopology.LB_NS, "sysctl", "-qw", "net.ipv4.ip_forward=0"));
        Shell.attempt(Shell.inNamespace(BenchTopology.LB_NS, "nft", "delete", "table", "ip", TABLE));
    }
}
