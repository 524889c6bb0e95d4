package io.fulcrum.dataplane.sys;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The nft program, for the tables Fulcrum keeps in the kernel (the daemon's VIP filter, VRRP's accept mode). Run as a
 * program rather than spoken to over netlink: these tables change at start, on reload and at stop, never per packet,
 * and nft's own parser keeps the rules readable in one place. Runs in the calling thread's network namespace.
 */
public final class Nftables
{
    private static final Duration LIMIT = Duration.ofSeconds(10);

    private final String program;

    private Nftables(final String program)
    {
        this.program = program;
    }

    /** The installed nft, if any. */
    public static Optional<Nftables> find()
    {
        for (final String candidate : List.of("/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"))
        {
            if (new File(candidate).canExecute())
            {
                return Optional.of(new Nftables(candidate));
            }
        }
        return Optional.empty();
    }

    /** Applies an nft script atomically ({@code nft -f -}: one transaction). */
    public void apply(final String script)
    {
        run(script, "-f", "-");
    }

    /** Deletes {@code family name}'s table. */
    public void deleteTable(final String family, final String name)
    {
        run("", "delete", "table", family, name);
    }

    private void run(final String input, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(program));
        command.addAll(List.of(args));
        Commands.run(LIMIT, command, input).orThrow();
    }
}
