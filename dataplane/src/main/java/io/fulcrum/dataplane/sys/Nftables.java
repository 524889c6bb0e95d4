package io.fulcrum.dataplane.sys;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The nft program, for the tables Fulcrum keeps in the kernel (the daemon's VIP filter, VRRP's accept mode). Run as a
 * program rather than spoken to over netlink: these tables change at start, on reload and at stop, never per packet,
 * and nft's own parser keeps the rules readable in one place. Runs in the calling thread's network namespace.
 */
public final class Nftables
{
    private static final long LIMIT_SECONDS = 10;

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
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IllegalStateException("nft did not finish within " + LIMIT_SECONDS + " s");
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
