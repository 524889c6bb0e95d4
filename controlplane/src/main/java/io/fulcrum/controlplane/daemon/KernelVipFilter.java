package io.fulcrum.controlplane.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.dataplane.balance.Service;

/**
 * With AF_PACKET the kernel receives a copy of every frame: it would answer TCP to a VIP it owns with a reset before
 * the backend could reply. An nftables table ({@code inet fulcrum}) drops service traffic in prerouting, after
 * AF_PACKET's tap has seen it (taps run before netfilter). AF_XDP needs none: the XDP program steers VIP traffic away
 * from the kernel. The table is replaced whole on every start and removed on close.
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
        final String nft = findNft();
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
        return new KernelVipFilter(nft);
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
        throw new IllegalStateException("packet-io af_packet needs nftables so that the kernel does not answer VIP "
            + "traffic itself: install it (apt-get install nftables) or use packet-io af_xdp");
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
