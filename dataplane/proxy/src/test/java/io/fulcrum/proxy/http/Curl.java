package io.fulcrum.proxy.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** curl as the client: a reference nobody here wrote. */
final class Curl
{
    record Result(int exitCode, String out, String err)
    {
    }

    private Curl()
    {
    }

    static Result run(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "15"));
        command.addAll(List.of(args));
        final Path out = Files.createTempFile("curl", ".out");
        final Path err = Files.createTempFile("curl", ".err");
        try
        {
            final Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new AssertionError("curl did not finish: " + command);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                Files.readString(err));
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
