package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Collects every problem in one file so the operator fixes them in one round, not one per run; and, apart, the
 * warnings: what a valid file probably did not mean.
 */
final class Problems
{
    private final Path file;
    private final List<ConfigProblem> found = new ArrayList<>();
    private final List<ConfigWarning> warnings = new ArrayList<>();

    Problems(final Path file)
    {
        this.file = file;
    }

    Path file()
    {
        return file;
    }

    void at(final Node node, final String field, final String message)
    {
        at(node.getStartMark(), field, message);
    }

    /** Snakeyaml's marks are 0-based; editors and compilers count from 1. */
    void at(final Optional<Mark> mark, final String field, final String message)
    {
        if (mark.isPresent())
        {
            found.add(new ConfigProblem(file, mark.get().getLine() + 1, mark.get().getColumn() + 1, field, message));
        }
        else
        {
            found.add(new ConfigProblem(file, 0, 0, field, message));
        }
    }

    void atLine(final int line, final int column, final String field, final String message)
    {
        found.add(new ConfigProblem(file, line, column, field, message));
    }

    void warningAt(final Node node, final String message)
    {
        final Optional<Mark> mark = node.getStartMark();
        warnings.add(mark.isPresent()
            ? new ConfigWarning(file, mark.get().getLine() + 1, mark.get().getColumn() + 1, message)
            : new ConfigWarning(file, 0, 0, message));
    }

    /** The warnings, in file order. */
    List<ConfigWarning> warnings()
    {
        final List<ConfigWarning> sorted = new ArrayList<>(warnings);
        sorted.sort(Comparator.comparingInt(ConfigWarning::line).thenComparingInt(ConfigWarning::column));
        return sorted;
    }

    int count()
    {
        return found.size();
    }

    /** @throws ConfigException with the problems in file order, if there are any */
    void throwIfAny() throws ConfigException
    {
        if (!found.isEmpty())
        {
            throw exception();
        }
    }

    /** The problems so far, in file order; there must be at least one. */
    ConfigException exception()
    {
        final List<ConfigProblem> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column));
        return new ConfigException(sorted);
    }
}
