package io.fulcrum.controlplane.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one of Fulcrum's shell programs (the image build, the appliance's upgrade) with the operator's terminal, and
 * returns its exit code. Those steps are shell by nature (debootstrap, mkfs, sfdisk, bootctl); the CLI only finds them.
 */
final class ExternalProgram
{
    private ExternalProgram()
    {
    }

    static int run(final Path program, final List<String> arguments) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(arguments);
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    /** The repository the launcher runs from ({@code -Dfulcrum.home}), or the working directory. */
    static Path home()
    {
        final String home = System.getProperty("fulcrum.home");
        return home != null ? Path.of(home) : Path.of(".").toAbsolutePath().normalize();
    }

    static boolean runnable(final Path program)
    {
        return Files.isExecutable(program);
    }
}
