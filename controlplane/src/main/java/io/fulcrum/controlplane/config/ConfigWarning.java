package io.fulcrum.controlplane.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Something in a valid configuration file that is probably not what the operator meant, pointing at where it is.
 *
 * @param file    the file as the operator named it
 * @param line    1-based line, 0 when there is no position
 * @param column  1-based column, 0 when there is no position
 * @param message what is odd
 */
public record ConfigWarning(Path file, int line, int column, String message)
{
    public ConfigWarning
    {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /** {@code FILE:LINE:COL: warning: MESSAGE}, as compilers print warnings. */
    @Override
    public String toString()
    {
        return file + (line > 0 ? ":" + line + ":" + column : "") + ": warning: " + message;
    }
}
