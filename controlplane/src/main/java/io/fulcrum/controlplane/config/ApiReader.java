package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads {@code api:}: listen address, tokens (inline or in a file), optional TLS. */
final class ApiReader
{
    static final List<String> API = List.of("listen", "tokens", "token-file", "tls");
    static final List<String> TLS = List.of("certificate", "key");

    private final Problems problems;
    private final YamlValues values;

    ApiReader(final Problems problems, final YamlValues values)
    {
        this.problems = problems;
        this.values = values;
    }

    /** @return the API's settings; null when they had problems */
    ApiConfig read(final Node node)
    {
        final YamlMap map = values.map(node, "api", API);
        if (map == null)
        {
            return null;
        }
        final int before = problems.count();
        InetSocketAddress listen = new InetSocketAddress(IpLiterals.parse("127.0.0.1"), ApiConfig.DEFAULT_PORT);
        final Node listenNode = map.optional("listen");
        if (listenNode != null)
        {
            final String text = values.text(listenNode, map.field("listen"), "ADDRESS:PORT, like 127.0.0.1:9090 or "
                + "[::1]:9090", null);
            if (text != null)
            {
                listen = values.listenAddress(text, listenNode, map.field("listen"));
            }
        }
        final List<String> tokens = new ArrayList<>();
        final Node tokensNode = map.optional("tokens");
        if (tokensNode != null)
        {
            final List<Node> items = values.list(tokensNode, map.field("tokens"), "bearer tokens");
            for (int i = 0; items != null && i < items.size(); i++)
            {
                final String field = map.field("tokens") + "[" + i + "]";
                final String token = values.text(items.get(i), field, "a token of at least 16 characters", null);
                if (token != null && token.length() < 16)
                {
                    problems.at(items.get(i), field, "expected a token of at least 16 characters, found one of "
                        + token.length());
                }
                else if (token != null)
                {
                    tokens.add(token);
                }
            }
        }
        final Node tokenFileNode = map.optional("token-file");
        final Optional<Path> tokenFile = tokenFileNode == null ? Optional.empty() : Optional.ofNullable(
            values.text(tokenFileNode, map.field("token-file"), "a file path", null)).map(Path::of);
        if (tokensNode == null && tokenFileNode == null)
        {
            problems.at(node, "api", "expected tokens or token-file: every API call needs a bearer token");
        }
        Optional<Path> certificate = Optional.empty();
        Optional<Path> key = Optional.empty();
        final Node tlsNode = map.optional("tls");
        if (tlsNode != null)
        {
            final YamlMap tls = values.map(tlsNode, map.field("tls"), TLS);
            if (tls != null)
            {
                final Node certificateNode = tls.optional("certificate");
                final Node keyNode = tls.optional("key");
                if (certificateNode == null || keyNode == null)
                {
                    problems.at(tlsNode, map.field("tls"), "expected both certificate and key (PEM files)");
                }
                else
                {
                    certificate = Optional.ofNullable(values.text(certificateNode, tls.field("certificate"),
                        "a PEM file path", null)).map(Path::of);
                    key = Optional.ofNullable(values.text(keyNode, tls.field("key"), "a PEM file path", null))
                        .map(Path::of);
                }
            }
        }
        return problems.count() == before ? new ApiConfig(listen, tokens, tokenFile, certificate, key) : null;
    }
}
