package io.fulcrum.controlplane.lab.chaos;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code sync:} section of a balancer config (connection-state sync between the pair): the suite reads the UDP
 * port from it, to make the sync link lossy, and can take the section out, to run the pair without sync. A config
 * without the section has no sync.
 */
public final class SyncSection
{
    private static final Pattern PORT = Pattern.compile("\\bport:\\s*(\\d{1,5})\\b");
    private static final Pattern ADDRESS_PORT = Pattern.compile("(?:\\d{1,3}(?:\\.\\d{1,3}){3}|\\])\\s*:(\\d{1,5})\\b");

    private SyncSection()
    {
    }

    /** The text of the top-level {@code sync:} entry with its indented lines; empty when there is none. */
    public static String of(final String yaml)
    {
        final StringBuilder section = new StringBuilder();
        boolean inside = false;
        for (final String line : yaml.split("\n", -1))
        {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#"))
            {
                inside = line.startsWith("sync:");
            }
            if (inside)
            {
                section.append(line).append('\n');
            }
        }
        return section.toString();
    }

    /** The sync port the section names ({@code port: N}, or an address with a port); empty without sync. */
    public static OptionalInt port(final String yaml)
    {
        final String section = of(yaml);
        if (section.isEmpty())
        {
            return OptionalInt.empty();
        }
        final Matcher port = PORT.matcher(section);
        if (port.find())
        {
            return OptionalInt.of(Integer.parseInt(port.group(1)));
        }
        final Matcher address = ADDRESS_PORT.matcher(section);
        return address.find() ? OptionalInt.of(Integer.parseInt(address.group(1))) : OptionalInt.empty();
    }

    /** The config without its {@code sync:} section: the pair runs without connection-state sync. */
    public static String remove(final String yaml)
    {
        final StringBuilder kept = new StringBuilder();
        boolean inside = false;
        final String[] lines = yaml.split("\n", -1);
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i];
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#"))
            {
                inside = line.startsWith("sync:");
            }
            if (!inside)
            {
                kept.append(line);
                if (i < lines.length - 1)
                {
                    kept.append('\n');
                }
            }
        }
        return kept.toString();
    }
}
