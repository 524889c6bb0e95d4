package io.fulcrum.controlplane.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.dataplane.balance.Service;

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

    private final String nft;

    private KernelVipFilter(final String nft)
    {
        this.nft = nft;
    }

    static KernelVipFilter install(final List<Service> services)
    {
        final KernelVipFilter filter = new KernelVipFilter(findNft());
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
        run(nft, rules.toString(), "-f", "-");
    }

    @Override
    public void close()
    {
        run(nft, "", "delete", "table", "inet", TABLE);
    }

    private static String findNft()
    {
        for (final String candidate : List.of("/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"))
        {
            if (new java.io.File(candidate).canExecute())
            {
                return candidate;
            }
        }
        throw new IllegalStateException("the data plane needs nftables so that the kernel does not answer VIP "
            + "traffic itself: install it (apt-get install nftables)");
    }

    private static void run(final String nft, final String input, final String... args)
    {
        final List<String> command = new java.util.ArrayList<>(List.of(nft));
        command.addAll(List.of(args));
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException("nft did not finish within 10 s");
            }
            if (process.exitValue() != 0)
            {
                throw new IllegalStateException("nft " + String.join(" ", args) + " failed: " + output.strip());
            }
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot run nft: " + e.getMessage(), e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running nft", e);
        }
    }
}
