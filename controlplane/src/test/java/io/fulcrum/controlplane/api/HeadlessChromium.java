package io.fulcrum.controlplane.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs Chromium headless on one page, as a person's browser would load it: a fresh profile each time, no network
 * but the page's, bounded in time (killed with its children when it overruns).
 */
final class HeadlessChromium
{
    private static final long TIMEOUT_SECONDS = 90;
    /** Virtual time the page gets: enough for its first reading and two 2-second refreshes. */
    private static final int VIRTUAL_TIME_MILLIS = 5000;

    private final Path binary;

    HeadlessChromium(final Path binary)
    {
        this.binary = binary;
    }

    /** The DOM after the page ran for its virtual time. */
    String dumpDom(final String url) throws IOException, InterruptedException
    {
        return run(List.of("--dump-dom", url));
    }

    /** Saves a screenshot of the page at 1200x800 after its virtual time. */
    void screenshot(final String url, final Path png) throws IOException, InterruptedException
    {
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1200,800", "--hide-scrollbars", url));
    }

    private String run(final List<String> what) throws IOException, InterruptedException
    {
        final Path profile = Files.createTempDirectory("fulcrum-chromium-");
        final Path out = Files.createTempFile("fulcrum-chromium-", ".out");
        final Path err = Files.createTempFile("fulcrum-chromium-", ".err");
        try
        {
            final List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--virtual-time-budget=" + VIRTUAL_TIME_MILLIS));
            command.addAll(what);
            final Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("chromium did not finish within " + TIMEOUT_SECONDS + " s: "
                    + tail(err));
            }
            if (process.exitValue() != 0)
            {
                throw new IllegalStateException("chromium exited " + process.exitValue() + ": " + tail(err));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            deleteTree(profile);
        }
    }

    private static String tail(final Path file) throws IOException
    {
        final String text = Files.readString(file, StandardCharsets.UTF_8);
        return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    }

    private static void deleteTree(final Path root) throws IOException
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
