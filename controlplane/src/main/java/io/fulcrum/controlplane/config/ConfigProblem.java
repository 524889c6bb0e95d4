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
        field = oneLine(Objects.requireNonNull(field, "field"));
        message = oneLine(Objects.requireNonNull(message, "message"));
    }

    /** Messages quote the operator's text, which may hold line breaks; one problem must stay one line. */
    private static String oneLine(final String text)
    {
        StringBuilder escaped = null;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (Character.isISOControl(c))
            {
                if (escaped == null)
                {
                    escaped = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                switch (c)
                {
                    case '\n' -> escaped.append("\\n");
                    case '\t' -> escaped.append("\\t");
                    case '\r' -> escaped.append("\\r");
                    default -> escaped.append(String.format("\\u%04x", (int)c));
                }
            }
            else if (escaped != null)
            {
                escaped.append(c);
            }
        }
        return escaped == null ? text : escaped.toString();
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
