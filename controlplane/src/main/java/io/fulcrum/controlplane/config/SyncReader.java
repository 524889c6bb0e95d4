package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@code sync:}, the pair's connection-sync link: addresses, shared key, rate, ring and retransmit sizes. */
final class SyncReader
{
    static final List<String> SYNC = List.of("local", "peer", "key", "key-file", "max-bandwidth", "ring-size",
        "retransmit-buffer", "resync-interval");
    private static final Pattern BANDWIDTH = Pattern.compile("([0-9]{1,9})(kbit|mbit|gbit)");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,6})(KiB|MiB)");
    private static final Pattern HEX = Pattern.compile("([0-9a-fA-F]{2})+");

    private final Problems problems;
    private final YamlValues values;

    SyncReader(final Problems problems, final YamlValues values)
    {
        this.problems = problems;
        this.values = values;
    }

    /** @return the sync link; null when it had problems */
    SyncConfig read(final Node node)
    {
        final YamlMap map = values.map(node, "sync", SYNC);
        if (map == null)
        {
            return null;
        }
        final int before = problems.count();
        final InetSocketAddress local = address(map, "local");
        final InetSocketAddress peer = address(map, "peer");
        if (local != null && peer != null && local.getAddress().getClass() != peer.getAddress().getClass())
        {
            problems.at(map.optional("peer"), map.field("peer"), "expected the same address family as local");
        }
        final Node keyNode = map.optional("key");
        final Node keyFileNode = map.optional("key-file");
        Optional<String> key = Optional.empty();
        Optional<Path> keyFile = Optional.empty();
        if ((keyNode == null) == (keyFileNode == null))
        {
            problems.at(node, "sync", "expected one of key or key-file: the pair's shared HMAC-SHA256 key");
        }
        else if (keyNode != null)
        {
            final String text = values.text(keyNode, map.field("key"), "the key in hex", null);
            if (text != null && (!HEX.matcher(text).matches() || text.length() / 2 < SyncConfig.MIN_KEY_BYTES))
            {
                problems.at(keyNode, map.field("key"), "expected at least " + SyncConfig.MIN_KEY_BYTES
                    + " bytes in hex (" + 2 * SyncConfig.MIN_KEY_BYTES + " hex digits, as `openssl rand -hex 32` "
                    + "prints), found " + (HEX.matcher(text).matches() ? text.length() / 2 + " bytes" : "other text"));
            }
            key = Optional.ofNullable(text);
        }
        else
        {
            keyFile = Optional.ofNullable(values.text(keyFileNode, map.field("key-file"), "a file path", null))
                .map(Path::of);
        }
        final long bandwidth = bandwidth(map);
        final int ringBytes = ringBytes(map);
        final int retransmit = map.optionalInteger("retransmit-buffer", 8, 65_536,
            SyncConfig.DEFAULT_RETRANSMIT_BUFFER);
        if (Integer.bitCount(retransmit) != 1)
        {
            problems.at(map.optional("retransmit-buffer"), map.field("retransmit-buffer"),
                "expected a power of two (datagrams), found " + retransmit);
        }
        final Duration resync = map.optionalDuration("resync-interval", SyncConfig.DEFAULT_RESYNC_INTERVAL);
        return problems.count() == before && local != null && peer != null
            ? new SyncConfig(local, peer, key, keyFile, bandwidth, ringBytes, retransmit, resync) : null;
    }

    private InetSocketAddress address(final YamlMap map, final String key)
    {
        final String text = map.requiredText(key, "ADDRESS:PORT on the sync link, like 10.200.9.1:7946");
        return text == null ? null : values.listenAddress(text, map.optional(key), map.field(key));
    }

    /** {@code max-bandwidth:} a rate like 10mbit, in bytes per second. */
    private long bandwidth(final YamlMap map)
    {
        long bandwidth = SyncConfig.DEFAULT_MAX_BYTES_PER_SECOND;
        final Node node = map.optional("max-bandwidth");
        if (node != null)
        {
            final String text = values.text(node, map.field("max-bandwidth"), "a rate like 10mbit", null);
            final Matcher matcher = text == null ? null : BANDWIDTH.matcher(text);
            if (matcher != null && matcher.matches())
            {
                final long unit = switch (matcher.group(2))
                {
                    case "kbit" -> 1_000L;
                    case "mbit" -> 1_000_000L;
                    default -> 1_000_000_000L;
                };
                bandwidth = Long.parseLong(matcher.group(1)) * unit / 8;
            }
            if (matcher == null || !matcher.matches() || bandwidth < 10_000 || bandwidth > 12_500_000_000L)
            {
                problems.at(node, map.field("max-bandwidth"), "expected a rate from 80kbit to 100gbit, "
                    + "like 10mbit, found " + (text == null ? "nothing" : YamlValues.quote(text)));
            }
        }
        return bandwidth;
    }

    /** {@code ring-size:} a power of two like 1MiB, in bytes. */
    private int ringBytes(final YamlMap map)
    {
        final Node node = map.optional("ring-size");
        if (node == null)
        {
            return SyncConfig.DEFAULT_RING_BYTES;
        }
        final String text = values.text(node, map.field("ring-size"), "a size like 1MiB", null);
        final Matcher matcher = text == null ? null : SIZE.matcher(text);
        long bytes = 0;
        if (matcher != null && matcher.matches())
        {
            bytes = Long.parseLong(matcher.group(1)) * (matcher.group(2).equals("KiB") ? 1024 : 1024 * 1024);
        }
        if (bytes < 4096 || bytes > (256 << 20) || Long.bitCount(bytes) != 1)
        {
            problems.at(node, map.field("ring-size"), "expected a power of two from 4KiB to 256MiB, like "
                + "1MiB, found " + (text == null ? "nothing" : YamlValues.quote(text)));
            return SyncConfig.DEFAULT_RING_BYTES;
        }
        return (int)bytes;
    }
}
