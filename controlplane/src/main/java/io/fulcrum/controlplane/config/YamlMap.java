package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A mapping of the configuration with its fields checked on arrival: duplicate keys, unknown keys and keys reserved
 * for a later release are reported once, here, so the code that reads values only asks for the fields it knows.
 * The {@code optional...} readers give the fallback when the field is absent and read it with {@link YamlValues}
 * when it is there.
 */
final class YamlMap
{
    private final MappingNode node;
    private final String path;
    private final Problems problems;
    private final YamlValues reader;
    private final Map<String, Node> values = new LinkedHashMap<>();

    /**
     * @param path     dotted path of this mapping, empty for the document itself
     * @param allowed  the fields this mapping may have, in the order the "expected one of" message lists them
     * @param reserved fields a later release will read, each with why it is refused for now
     */
    YamlMap(final MappingNode node, final String path, final List<String> allowed, final Map<String, String> reserved,
        final Problems problems, final YamlValues reader)
    {
        this.node = node;
        this.path = path;
        this.problems = problems;
        this.reader = reader;
        final Map<String, Node> keys = new LinkedHashMap<>();
        for (final NodeTuple tuple : node.getValue())
        {
            if (!(tuple.getKeyNode() instanceof final ScalarNode keyNode))
            {
                problems.at(tuple.getKeyNode(), path, "expected a field name, found " + YamlValues.describe(tuple.getKeyNode()));
                continue;
            }
            final String key = keyNode.getValue();
            final Node first = keys.get(key);
            if (first != null)
            {
                problems.at(keyNode, field(key), "duplicate key '" + key + "' (first given at line " +
                    (first.getStartMark().map(m -> m.getLine() + 1).orElse(0)) + ")");
                continue;
            }
            keys.put(key, keyNode);
            if (reserved.containsKey(key))
            {
                problems.at(keyNode, field(key), reserved.get(key));
            }
            else if (!allowed.contains(key))
            {
                problems.at(keyNode, field(key), "unknown field '" + key + "' (expected one of: " + String.join(", ", allowed) + ")");
            }
            else
            {
                values.put(key, tuple.getValueNode());
            }
        }
    }

    /** The value node of {@code key}, or null when the file does not give it. */
    Node optional(final String key)
    {
        return values.get(key);
    }

    /** The value node of {@code key}; null, with a problem reported at the mapping, when the file does not give it. */
    Node required(final String key, final String expected)
    {
        final Node value = values.get(key);
        if (value == null)
        {
            problems.at(node, field(key), "required field '" + key + "' is missing (expected " + expected + ")");
        }
        return value;
    }

    /**
     * The text of {@code key}; null, with "expected KEY: WHAT" reported at the mapping, when the file does not give
     * it (the form for fields that name what the mapping is, like a VRRP instance's interface).
     */
    String requiredText(final String key, final String expected)
    {
        final Node value = values.get(key);
        if (value == null)
        {
            problems.at(node, path, "expected " + key + ": " + expected);
            return null;
        }
        return reader.text(value, field(key), expected, null);
    }

    /** The required {@code name} field: a name of {@link YamlValues#NAME_RULE}; empty when missing or not text. */
    String name()
    {
        final Node value = required("name", YamlValues.NAME_RULE);
        return value == null ? "" : reader.name(value, field("name"));
    }

    boolean optionalBoolean(final String key, final boolean fallback)
    {
        final Node value = values.get(key);
        final Boolean bool = value == null ? null : reader.bool(value, field(key));
        return bool == null ? fallback : bool;
    }

    int optionalInteger(final String key, final int min, final int max, final int fallback)
    {
        final Node value = values.get(key);
        return value == null ? fallback : reader.integer(value, field(key), min, max, fallback);
    }

    Duration optionalDuration(final String key, final Duration fallback)
    {
        final Node value = values.get(key);
        return value == null ? fallback : reader.duration(value, field(key), fallback);
    }

    <E extends Enum<E>> E optionalChoice(final String key, final E[] choices, final Function<E, String> yamlName,
        final E fallback)
    {
        final Node value = values.get(key);
        return value == null ? fallback : reader.choice(value, field(key), choices, yamlName, fallback);
    }

    MappingNode node()
    {
        return node;
    }

    /** The dotted path of this mapping itself, like {@code vrrp[0]}. */
    String path()
    {
        return path;
    }

    String field(final String key)
    {
        return path.isEmpty() ? key : path + "." + key;
    }
}
