package io.fulcrum.controlplane.cli.ctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns, two spaces apart, header first. */
final class TextTable
{
    private final List<String[]> rows = new ArrayList<>();

    TextTable(final String... header)
    {
        rows.add(header);
    }

    void row(final String... cells)
    {
        rows.add(cells);
    }

    boolean isEmpty()
    {
        return rows.size() == 1;
    }

    void print(final PrintWriter out)
    {
        final int[] widths = new int[rows.get(0).length];
        for (final String[] row : rows)
        {
            for (int i = 0; i < row.length; i++)
            {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (final String[] row : rows)
        {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++)
            {
                line.append(row[i]);
                if (i < row.length - 1)
                {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
