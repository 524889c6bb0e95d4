package io.fulcrum.controlplane.config;

import io.fulcrum.proxy.transport.TransportKind;
import org.snakeyaml.engine.v2.nodes.Node;

import java.util.List;

/** Reads {@code proxy:}: the transport and the cores of the event loops every proxied service shares. */
final class ProxyReader
{
    static final List<String> PROXY = List.of("transport", "cores");

    private final YamlValues values;

    ProxyReader(final YamlValues values)
    {
        this.values = values;
    }

    /** @param node the section, null when the file has none */
    ProxyConfig read(final Node node)
    {
        if (node == null)
        {
            return ProxyConfig.DEFAULT;
        }
        final YamlMap map = values.map(node, "proxy", PROXY);
        if (map == null)
        {
            return ProxyConfig.DEFAULT;
        }
        final TransportKind transport = map.optionalChoice("transport", TransportKind.values(), TransportKind::yamlName,
            TransportKind.AUTO);
        final Node coresNode = map.optional("cores");
        final List<Integer> cores = coresNode == null ? null : values.cpus(coresNode, map.field("cores"), "event loop");
        return new ProxyConfig(transport, cores == null ? List.of() : cores);
    }
}
