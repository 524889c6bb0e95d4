package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a lab has made, kept in a small text file so that {@code lab status}, {@code lab kill} and {@code lab down}
 * work from a later process. Each namespace is recorded <em>before</em> it is created and each process as soon as it
 * starts, so a lab that failed half-way is still fully known to {@code down}. One line per fact:
 * <pre>
 * prefix fl
 * namespace fl-client
 * process be1 12345
 * </pre>
 */
public final class LabState
{
    private final Path file;
    private String prefix;
    private final Set<String> namespaces = new LinkedHashSet<>();
    private final Map<String, Long> processes = new LinkedHashMap<>();

    private LabState(final Path file, final String prefix)
    {
        this.file = file;
        this.prefix = prefix;
    }

    /** A fresh state for a lab that is about to be made; nothing is written until something is recorded. */
    public static LabState create(final Path file, final String prefix)
    {
        return new LabState(file, prefix);
    }

    /** Reads the state file, or returns an empty state when there is none. */
    public static LabState load(final Path file, final String prefix)
    {
        final LabState state = new LabState(file, prefix);
        if (!Files.exists(file))
        {
            return state;
        }
        try
        {
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                final String[] words = line.strip().split("\\s+");
                if (words.length == 2 && words[0].equals("prefix"))
                {
                    state.prefix = words[1];
                }
                else if (words.length == 2 && words[0].equals("namespace"))
                {
                    state.namespaces.add(words[1]);
                }
                else if (words.length == 3 && words[0].equals("process"))
                {
                    state.processes.put(words[1], Long.parseLong(words[2]));
                }
            }
        }
        catch (final IOException | NumberFormatException e)
        {
            throw new LabException("cannot read the lab state " + file + ": " + e.getMessage(), e);
        }
        return state;
    }

    public boolean exists()
    {
        return Files.exists(file);
    }

    public Path file()
    {
        return file;
    }

    public String prefix()
    {
        return prefix;
    }

    public List<String> namespaces()
    {
        return List.copyOf(namespaces);
    }

    /** Node name to pid of the process the lab started for it. */
    public Map<String, Long> processes()
    {
        return Collections.unmodifiableMap(new LinkedHashMap<>(processes));
    }

    public void recordNamespace(final String namespace)
    {
        namespaces.add(namespace);
        save();
    }

    public void recordProcess(final String node, final long pid)
    {
        processes.put(node, pid);
        save();
    }

    public void forgetProcess(final String node)
    {
        processes.remove(node);
        save();
    }

    /** Removes the state file: the lab is gone. */
    public void delete()
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException e)
        {
            throw new LabException("cannot remove the lab state " + file + ": " + e.getMessage(), e);
        }
        namespaces.clear();
        processes.clear();
    }

    /** Written to a temporary file and renamed, so a reader never sees half a state. */
    private void save()
    {
        final List<String> lines = new ArrayList<>();
        lines.add("# fulcrum lab state: what 'fulcrum lab down' removes");
        lines.add("prefix " + prefix);
        for (final String namespace : namespaces)
        {
            lines.add("namespace " + namespace);
        }
        for (final Map.Entry<String, Long> process : processes.entrySet())
        {
            lines.add("process " + process.getKey() + " " + process.getValue());
        }
        try
        {
            Files.createDirectories(file.getParent());
            final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(temporary, lines, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException e)
        {
            throw new LabException("cannot write the lab state " + file + ": " + e.getMessage(), e);
        }
    }
}
