package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mapping of the configuration with its fields checked on arrival: duplicate keys, unknown keys and keys reserved
 * for a later release are reported once, here, so the code that reads values only asks for the fields it knows.
 */
final class YamlMap
{
    private final MappingNode node;
    private final String path;
    private final Problems problems;
    private final Map<String, Node> values = new LinkedHashMap<>();

    /**
     * @param path     dotted path of this mapping, empty for the document itself
     * @param allowed  the fields this mapping may have, in the order the "expected one of" message lists them
     * @param reserved fields a later release will read, each with why it is refused for now
     */
    YamlMap(final MappingNode node, final String path, final List<String> allowed, final Map<String, String> reserved,
        final Problems problems)
    {
        this.node = node;
        this.path = path;
        this.problems = problems;
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
