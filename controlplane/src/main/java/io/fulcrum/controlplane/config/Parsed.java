package io.fulcrum.controlplane.config;

import java.util.ArrayList;
import java.util.List;

/** A parsed item with its mapping, kept for the checks that span items and need to point at a field. */
record Parsed<T>(T value, YamlMap map)
{
    static <T> List<T> values(final List<Parsed<T>> parsed)
    {
        final List<T> values = new ArrayList<>(parsed.size());
        for (final Parsed<T> item : parsed)
        {
            values.add(item.value());
        }
        return values;
    }
}
