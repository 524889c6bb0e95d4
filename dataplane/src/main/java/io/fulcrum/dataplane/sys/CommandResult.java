package io.fulcrum.dataplane.sys;

import java.util.List;

/** What an external command did: its exit status (-1 when it was killed for running too long) and its output. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut)
{
    public boolean succeeded()
    {
        return exitCode == 0 && !timedOut;
    }

    /** The command line, for messages. */
    public String commandLine()
    {
        return String.join(" ", command);
    }

    /** Why it failed, in one line: the time-out, or the exit code and the first line of error output. */
    public String failure()
    {
        if (timedOut)
        {
            return commandLine() + ": no answer within its time limit";
        }
        final String error = stderr.isBlank() ? stdout.strip() : stderr.strip();
        return commandLine() + " exited " + exitCode + (error.isEmpty() ? "" : ": " + error.lines().findFirst().orElse(""));
    }

    /** Its standard output when it succeeded; otherwise a {@link CommandFailedException} saying why. */
    public String orThrow()
    {
        if (!succeeded())
        {
            throw new CommandFailedException(failure());
        }
        return stdout;
    }
}
