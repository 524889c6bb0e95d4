package io.fulcrum.benchmarks.e2e;

import java.util.List;

import io.fulcrum.benchmarks.harness.BenchNamespaces;
import io.fulcrum.benchmarks.harness.CpuTime;
import io.fulcrum.benchmarks.harness.Shell;

/**
 * The benchmark's network: two namespaces joined by one veth pair, under the prefix {@code fb-} so that a benchmark
 * never touches a user's lab ({@code fl-}).
 *
 * <pre>
 *   fb-gen                                   fb-lb
 *   fbgen0 10.201.0.1/24  <--- veth --->  fblb0 10.201.0.2/24
 *   02:fb:00:00:00:01                       02:fb:00:00:00:02
 *   trafgen sends to the VIP 10.201.1.10:9/udp (destination MAC fblb0)
 *   the sink, 10.201.0.3 at fbgen0's MAC, is an XDP program on fbgen0 that counts and drops what comes back
 * </pre>
 *
 * One arm, as Fulcrum is deployed: the balancer receives and transmits on fblb0, and the backend (the sink) is on the
 * same segment as the client. Every scenario sends its output back through fblb0 to fbgen0, so every scenario crosses the
 * same two veth hops. The interface names carry the prefix too: the kernel names a threaded NAPI poller after its
 * interface ({@code napi/fblb0-ID}), and the harness pins that thread by name. A bridge namespace between three veths would model a LAN more literally, but would add two
 * bridge traversals per packet on a two-core machine and buy nothing that the measurement needs.
 */
final class BenchTopology implements AutoCloseable
{
    static final String GEN_NS = "fb-gen";
    static final String LB_NS = "fb-lb";
    static final String GEN_IF = "fbgen0";
    static final String LB_IF = "fblb0";
    static final String GEN_MAC = "02:fb:00:00:00:01";
    static final String LB_MAC = "02:fb:00:00:00:02";
    static final String GEN_ADDRESS = "10.201.0.1";
    static final String LB_ADDRESS = "10.201.0.2";
    /** The backend: its last octet stays below 128 (SinkCounter compares it as a sign-extended immediate). */
    static final String SINK_ADDRESS = "10.201.0.3";
    static final String VIP = "10.201.1.10";
    static final int VIP_PORT = 9;

    private final BenchNamespaces namespaces;

    private BenchTopology(final BenchNamespaces namespaces)
    {
        this.namespaces = namespaces;
    }

    /** Builds the namespaces and the veth; namespaces left by an earlier run that died are removed first. */
    static BenchTopology create()
    {
        final BenchTopology topology = new BenchTopology(BenchNamespaces.create("e2e", List.of(GEN_NS, LB_NS)));
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
        Shell.check("ip", "link", "add", GEN_IF, "netns", GEN_NS, "address", GEN_MAC, "type", "veth",
            "peer", "name", LB_IF, "netns", LB_NS, "address", LB_MAC);
        Shell.check("ip", "-n", GEN_NS, "addr", "add", GEN_ADDRESS + "/24", "dev", GEN_IF);
        Shell.check("ip", "-n", LB_NS, "addr", "add", LB_ADDRESS + "/24", "dev", LB_IF);
        // The generator's frames are already 64 bytes, but with TSO on the kernel bypasses the receiving veth's
        // NAPI path (FACTS: trafgen and veth).
        Shell.checkIn(GEN_NS, "ethtool", "-K", GEN_IF, "tso", "off", "gso", "off");
        Shell.check("ip", "-n", GEN_NS, "link", "set", GEN_IF, "up");
        Shell.check("ip", "-n", LB_NS, "link", "set", LB_IF, "up");
        // Both ends know each other and the sink without ARP, so no scenario waits for, or counts, neighbour traffic.
        Shell.check("ip", "-n", LB_NS, "neigh", "replace", SINK_ADDRESS, "lladdr", GEN_MAC, "dev", LB_IF, "nud",
            "permanent");
        Shell.check("ip", "-n", LB_NS, "neigh", "replace", GEN_ADDRESS, "lladdr", GEN_MAC, "dev", LB_IF, "nud",
            "permanent");
        Shell.check("ip", "-n", GEN_NS, "neigh", "replace", LB_ADDRESS, "lladdr", LB_MAC, "dev", GEN_IF, "nud",
            "permanent");
        // One arm: forwarded packets leave by the interface they came in on; the kernel would answer each with an
        // ICMP redirect (RFC 1812 5.2.7.2) unless told not to.
        Shell.checkIn(LB_NS, "sysctl", "-qw", "net.ipv4.conf.all.send_redirects=0",
            "net.ipv4.conf." + LB_IF + ".send_redirects=0", "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf." + LB_IF + ".rp_filter=0", "net.ipv4.ip_forward=0");
    }

    /**
     * Where the balancer's receive work runs: the frames the generator sends into the veth, and what the kernel does
     * with them (XDP, the AF_PACKET tap, forwarding and nftables). {@code cpu < 0}: in the softirq of the sending CPU,
     * as a veth does by default (drivers/net/veth.c: the peer's xmit schedules NAPI on the current CPU).
     * Otherwise in a threaded NAPI poller (GRO on gives the veth a NAPI context without XDP;
     * /sys/class/net/DEV/threaded) pinned to {@code cpu}: what a NIC whose interrupt is affine to the balancer's CPU
     * would do. On a virtual machine both that and receive packet steering pay an inter-processor interrupt (a VM
     * exit) to wake the other CPU for every small batch, which costs more than the forwarding itself (measured: the
     * XDP redirect fell from 0.46 to 0.15 Mpps), so the harness uses it only when asked (--spread-receive).
     */
    void receiveOn(final int cpu)
    {
        final String threaded = "/sys/class/net/" + LB_IF + "/threaded";
        if (cpu < 0)
        {
            // threaded first: without a NAPI context (GRO off, no XDP) the kernel refuses the write with EIO
            Shell.attempt(Shell.inNamespace(LB_NS, "sh", "-c", "echo 0 > " + threaded));
            Shell.checkIn(LB_NS, "ethtool", "-K", LB_IF, "gro", "off");
        }
        else
        {
            Shell.checkIn(LB_NS, "ethtool", "-K", LB_IF, "gro", "on");
            Shell.checkIn(LB_NS, "sh", "-c", "echo 1 > " + threaded);
            final String prefix = "napi/" + LB_IF + "-";
            ProcessHandle.allProcesses().filter(p -> CpuTime.comm(p.pid()).startsWith(prefix))
                .forEach(p -> Shell.check("taskset", "-p", "-c", Integer.toString(cpu), Long.toString(p.pid())));
        }
    }

    /** Frames the generator handed to fbgen0: transmitted plus dropped by the veth (the peer's queue was full). */
    static long offered()
    {
        final String[] values = Shell.checkIn(GEN_NS, "cat", "/sys/class/net/" + GEN_IF + "/statistics/tx_packets",
            "/sys/class/net/" + GEN_IF + "/statistics/tx_dropped").strip().split("\\s+");
        return Long.parseLong(values[0]) + Long.parseLong(values[1]);
    }

    /** Frames fblb0 dropped on receive (a full AF_XDP ring, a full backlog queue). */
    static long balancerDrops()
    {
        return Long.parseLong(Shell.checkIn(LB_NS, "cat", "/sys/class/net/" + LB_IF + "/statistics/rx_dropped")
            .strip());
    }

    /** Deletes the namespaces, which removes the veth pair and every rule and program attached inside them. */
    @Override
    public void close()
    {
        namespaces.close();
    }
}
