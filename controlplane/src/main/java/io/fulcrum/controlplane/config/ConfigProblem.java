package io.fulcrum.controlplane.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One thing wrong with a configuration file, pointing at where it is.
 *
 * @param file    the file as the operator named it
 * @param line    1-based line, 0 when the problem has no position (the file cannot be read)
 * @param column  1-based column, 0 when the problem has no position
 * @param field   dotted path of the field, like {@code services[1].port}; empty for the whole document
 * @param message what was expected and what was found
 */
public record ConfigProblem(Path file, int line, int column, String field, String message)
{
    public ConfigProblem
    {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    /** {@code FILE:LINE:COL: FIELD: MESSAGE}, the form editors and compilers use, so "jump to error" works. */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder().append(file);
        if (line > 0)
        {
            text.append(':').append(line).append(':').append(column);
        }
        text.append(": ");
        if (!field.isEmpty())
        {
            text.append(field).append(": ");
        }
        return text.append(message).toString();
    }
}
