package io.fulcrum.controlplane.config;

import java.util.List;

/** A configuration file was refused; carries every problem found, in file order, not just the first. */
public final class ConfigException extends Exception
{
    private final List<ConfigProblem> problems;

    public ConfigException(final List<ConfigProblem> problems)
    {
        super(format(problems));
        if (problems.isEmpty())
        {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems()
    {
        return problems;
    }

    private static String format(final List<ConfigProblem> problems)
    {
        final StringBuilder text = new StringBuilder();
        for (final ConfigProblem problem : problems)
        {
            if (!text.isEmpty())
            {
                text.append('\n');
            }
            text.append(problem);
        }
        return text.toString();
    }
}
