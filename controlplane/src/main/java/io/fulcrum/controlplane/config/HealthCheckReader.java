package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code pools[].health-check} and {@code pools[].backends[].health-check} and lays the second over the first.
 *
 * <p>Reading happens in two steps: {@link #read} checks each field on its own and keeps what was given (a
 * {@link Fields}); {@link #resolve} merges a backend's fields over its pool's and checks what needs the whole check
 * (the type's required fields, fields that do not apply to the type, timeout shorter than interval). A backend that
 * changes the type keeps only the pool's timing (interval, timeout, rise, fall) and {@code via}: a pool's http path
 * or port means nothing to the backend's udp check.
 */
final class HealthCheckReader
{
    static final List<String> FIELDS = List.of("type", "port", "interval", "timeout", "rise", "fall", "path",
        "expect-status", "expect-body", "host", "verify", "send", "expect", "via");
    private static final List<String> HTTP_ONLY = List.of("path", "expect-status", "expect-body", "host");
    private static final List<String> UDP_ONLY = List.of("send", "expect");
    private static final Pattern STATUS_RANGE = Pattern.compile("([0-9]{3})\\s*-\\s*([0-9]{3})");
    private static final String STATUS_RULE = "an HTTP status like 200, a range like \"200-399\", or a list of them";
    /** RFC 9112 section 3.2: an origin-form request target; no spaces or control characters on the request line. */
    private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7E]*");
    /** RFC 9110 section 7.2: host [ ":" port ], printable and without spaces. */
    private static final Pattern HOST = Pattern.compile("[\\x21-\\x7E]+");

    private final Problems problems;
    private final YamlValues values;

    HealthCheckReader(final Problems problems, final YamlValues values)
    {
        this.problems = problems;
        this.values = values;
    }

    /** The fields one mapping gives, each checked on its own; null, with a problem reported, if it is not a mapping. */
    Fields read(final Node node, final String field)
    {
        final YamlMap map = values.map(node, field, FIELDS);
        if (map == null)
        {
            return null;
        }
        final int problemsBefore = problems.count();
        final Fields fields = new Fields(map);
        final Node typeNode = map.optional("type");
        if (typeNode != null)
        {
            fields.type = values.choice(typeNode, map.field("type"), HealthCheckType.values(), HealthCheckType::yamlName,
                null);
        }
        fields.port = integer(map, "port", 1, 65535);
        fields.interval = duration(map, "interval");
        fields.timeout = duration(map, "timeout");
        fields.rise = integer(map, "rise", 1, HealthCheckConfig.MAX_RISE_OR_FALL);
        fields.fall = integer(map, "fall", 1, HealthCheckConfig.MAX_RISE_OR_FALL);
        fields.path = matching(map, "path", PATH, "a request path starting with '/', without spaces, like /healthz");
        fields.expectStatus = expectStatus(map);
        fields.expectBody = text(map, "expect-body", "text the response body must contain");
        fields.host = matching(map, "host", HOST, "a Host header value without spaces, like www.example.com");
        fields.verify = bool(map, "verify");
        fields.send = bytes(map, "send", "the request to send, like 'ping\\n' or '\\x00\\x01'");
        fields.expect = bytes(map, "expect", "text the reply must contain");
        final Node viaNode = map.optional("via");
        if (viaNode != null)
        {
            fields.via = values.choice(viaNode, map.field("via"), HealthCheckVia.values(), HealthCheckVia::yamlName,
                null);
        }
        fields.wellFormed = problems.count() == problemsBefore;
        return fields;
    }

    /**
     * @param pool    the pool's fields, or null when the check is the pool's own or the pool has none
     * @param own     the fields of the mapping being resolved (the pool's, or the backend's override)
     * @return the effective check; null, with problems reported at {@code own}, when it is not a valid check (or
     *         when {@link #read} found a problem already: what is missing may be what was wrong)
     */
    HealthCheckConfig resolve(final Fields pool, final Fields own)
    {
        if (!own.wellFormed)
        {
            return null;
        }
        final int problemsBefore = problems.count();
        final HealthCheckType type = own.type != null ? own.type : pool == null ? null : pool.type;
        if (type == null)
        {
            if (own.map.optional("type") == null) // a wrong type was reported already
            {
                own.map.required("type", "one of tcp, http, https, udp");
            }
            return null;
        }
        // Changing the type keeps only the pool's timing and via; otherwise every field not given here is the pool's.
        final Fields base = pool == null ? null : own.type != null && own.type != pool.type ? pool.timingOnly() : pool;
        for (final String key : FIELDS)
        {
            final Node node = own.map.optional(key);
            if (node != null && !appliesTo(key, type))
            {
                problems.at(node, own.map.field(key), "'" + key + "' applies to " + appliesTo(key) +
                    " checks only; this check is " + type.yamlName());
            }
        }
        final Integer port = or(own.port, base == null ? null : base.port);
        if (port == null && (type == HealthCheckType.TCP || type == HealthCheckType.UDP))
        {
            problems.at(own.map.node(), own.map.field("port"), "required field 'port' is missing (a " + type.yamlName() +
                " check needs the port to check: the service port is not known per pool)");
        }
        final String send = or(own.send, base == null ? null : base.send);
        if (send == null && type == HealthCheckType.UDP)
        {
            problems.at(own.map.node(), own.map.field("send"), "required field 'send' is missing (a udp check needs " +
                "the request to send, like 'ping\\n')");
        }
        final Duration interval = or(or(own.interval, base == null ? null : base.interval),
            HealthCheckConfig.DEFAULT_INTERVAL);
        final Duration timeout = or(or(own.timeout, base == null ? null : base.timeout), HealthCheckConfig.DEFAULT_TIMEOUT);
        if (timeout.compareTo(interval) >= 0)
        {
            final String key = own.map.optional("timeout") == null && own.map.optional("interval") != null ?
                "interval" : "timeout";
            final Node node = own.map.optional(key) != null ? own.map.optional(key) : own.map.node();
            problems.at(node, own.map.field(key), "expected a timeout shorter than the interval, found timeout " +
                millis(timeout) + (own.timeout == null && (base == null || base.timeout == null) ? " (the default)" : "") +
                " and interval " + millis(interval) + " (a check must end before the next starts)");
        }
        if (problems.count() != problemsBefore)
        {
            return null;
        }
        final int defaultPort = type == HealthCheckType.HTTPS ? HealthCheckConfig.DEFAULT_HTTPS_PORT :
            HealthCheckConfig.DEFAULT_HTTP_PORT;
        return new HealthCheckConfig(type, port == null ? defaultPort : port, interval, timeout,
            or(or(own.rise, base == null ? null : base.rise), HealthCheckConfig.DEFAULT_RISE),
            or(or(own.fall, base == null ? null : base.fall), HealthCheckConfig.DEFAULT_FALL),
            or(or(own.path, base == null ? null : base.path), HealthCheckConfig.DEFAULT_PATH),
            or(or(own.expectStatus, base == null ? null : base.expectStatus), HealthCheckConfig.DEFAULT_EXPECT_STATUS),
            Optional.ofNullable(or(own.expectBody, base == null ? null : base.expectBody)),
            Optional.ofNullable(or(own.host, base == null ? null : base.host)),
            or(or(own.verify, base == null ? null : base.verify), false),
            or(send, ""),
            Optional.ofNullable(or(own.expect, base == null ? null : base.expect)),
            or(or(own.via, base == null ? null : base.via), HealthCheckConfig.DEFAULT_VIA));
    }

    private static boolean appliesTo(final String key, final HealthCheckType type)
    {
        if (HTTP_ONLY.contains(key))
        {
            return type.isHttp();
        }
        if (key.equals("verify"))
        {
            return type == HealthCheckType.HTTPS;
        }
        if (UDP_ONLY.contains(key))
        {
            return type == HealthCheckType.UDP;
        }
        return true;
    }

    private static String appliesTo(final String key)
    {
        return HTTP_ONLY.contains(key) ? "http and https" : key.equals("verify") ? "https" : "udp";
    }

    private Integer integer(final YamlMap map, final String key, final int min, final int max)
    {
        final Node node = map.optional(key);
        if (node == null)
        {
            return null;
        }
        final int value = values.integer(node, map.field(key), min, max, Integer.MIN_VALUE);
        return value == Integer.MIN_VALUE ? null : value;
    }

    private Duration duration(final YamlMap map, final String key)
    {
        final Node node = map.optional(key);
        return node == null ? null : values.duration(node, map.field(key), null);
    }

    private String text(final YamlMap map, final String key, final String expected)
    {
        final Node node = map.optional(key);
        return node == null ? null : values.text(node, map.field(key), expected, null);
    }

    private String matching(final YamlMap map, final String key, final Pattern pattern, final String expected)
    {
        final String text = text(map, key, expected);
        if (text != null && !pattern.matcher(text).matches())
        {
            problems.at(map.optional(key), map.field(key), "expected " + expected + ", found " + YamlValues.quote(text));
            return null;
        }
        return text;
    }

    private Boolean bool(final YamlMap map, final String key)
    {
        final Node node = map.optional(key);
        return node == null ? null : values.bool(node, map.field(key));
    }

    /**
     * Text whose {@code \xHH} escapes stand for bytes, whichever way the operator quoted it: YAML's double quotes
     * decode {@code "\x00"} to U+0000, Fulcrum decodes {@code '\x00'} the same, and every character is then one byte
     * (ISO 8859-1), so both spell the same datagram.
     */
    private String bytes(final YamlMap map, final String key, final String expected)
    {
        final String text = text(map, key, expected);
        if (text == null)
        {
            return null;
        }
        final StringBuilder decoded = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length())
            {
                final char next = text.charAt(i + 1);
                final int hex = i + 3 < text.length() ? hexByte(text, i + 2) : -1;
                switch (next)
                {
                    case 'x' ->
                    {
                        if (hex < 0)
                        {
                            problems.at(map.optional(key), map.field(key), "expected two hexadecimal digits after \\x " +
                                "in " + YamlValues.quote(text) + " at character " + (i + 1));
                            return null;
                        }
                        decoded.append((char)hex);
                        i += 3;
                    }
                    case 'n' -> { decoded.append('\n'); i++; }
                    case 'r' -> { decoded.append('\r'); i++; }
                    case 't' -> { decoded.append('\t'); i++; }
                    case '0' -> { decoded.append('\0'); i++; }
                    case '\\' -> { decoded.append('\\'); i++; }
                    default ->
                    {
                        problems.at(map.optional(key), map.field(key), "unknown escape \\" + next + " in " +
                            YamlValues.quote(text) + " (expected \\xHH, \\n, \\r, \\t, \\0 or \\\\)");
                        return null;
                    }
                }
            }
            else if (c > 0xFF)
            {
                problems.at(map.optional(key), map.field(key), "expected bytes: characters up to U+00FF, or \\xHH " +
                    "escapes, found U+" + String.format("%04X", (int)c) + " in " + YamlValues.quote(text));
                return null;
            }
            else
            {
                decoded.append(c);
            }
        }
        return decoded.toString();
    }

    private static int hexByte(final String text, final int at)
    {
        final int high = Character.digit(text.charAt(at), 16);
        final int low = Character.digit(text.charAt(at + 1), 16);
        return high < 0 || low < 0 ? -1 : high << 4 | low;
    }

    private List<StatusRange> expectStatus(final YamlMap map)
    {
        final Node node = map.optional("expect-status");
        if (node == null)
        {
            return null;
        }
        final String field = map.field("expect-status");
        if (node instanceof ScalarNode)
        {
            final StatusRange range = statusRange(node, field);
            return range == null ? null : List.of(range);
        }
        final List<Node> items = values.list(node, field, "HTTP statuses or ranges, like [200, \"300-399\"]");
        if (items == null)
        {
            return null;
        }
        if (items.isEmpty())
        {
            problems.at(node, field, "expected at least one status, found an empty list");
            return null;
        }
        final List<StatusRange> ranges = new ArrayList<>();
        for (int i = 0; i < items.size(); i++)
        {
            final StatusRange range = statusRange(items.get(i), field + "[" + i + "]");
            if (range == null)
            {
                return null;
            }
            ranges.add(range);
        }
        return ranges;
    }

    private StatusRange statusRange(final Node node, final String field)
    {
        if (node instanceof final ScalarNode scalar && Tag.INT.equals(scalar.getTag()))
        {
            final int status = values.integer(node, field, StatusRange.MIN, StatusRange.MAX, -1);
            return status < 0 ? null : StatusRange.of(status);
        }
        if (node instanceof final ScalarNode scalar && Tag.STR.equals(scalar.getTag()))
        {
            final Matcher matcher = STATUS_RANGE.matcher(scalar.getValue().strip());
            if (matcher.matches())
            {
                final int low = Integer.parseInt(matcher.group(1));
                final int high = Integer.parseInt(matcher.group(2));
                if (low >= StatusRange.MIN && high <= StatusRange.MAX && low <= high)
                {
                    return new StatusRange(low, high);
                }
                problems.at(node, field, "expected a range of statuses from " + StatusRange.MIN + " to " +
                    StatusRange.MAX + ", lowest first, found '" + scalar.getValue() + "'");
                return null;
            }
        }
        problems.at(node, field, "expected " + STATUS_RULE + ", found " + YamlValues.describe(node));
        return null;
    }

    private static String millis(final Duration duration)
    {
        return duration.toMillis() + " ms";
    }

    private static <T> T or(final T value, final T fallback)
    {
        return value != null ? value : fallback;
    }

    /** What one health-check mapping gives; null where it gives nothing (or something wrong, already reported). */
    static final class Fields
    {
        private final YamlMap map;
        private boolean wellFormed;
        private HealthCheckType type;
        private Integer port;
        private Duration interval;
        private Duration timeout;
        private Integer rise;
        private Integer fall;
        private String path;
        private List<StatusRange> expectStatus;
        private String expectBody;
        private String host;
        private Boolean verify;
        private String send;
        private String expect;
        private HealthCheckVia via;

        private Fields(final YamlMap map)
        {
            this.map = map;
        }

        /** Only interval, timeout, rise, fall and via: what a backend that changes the type inherits. */
        private Fields timingOnly()
        {
            final Fields timing = new Fields(map);
            timing.wellFormed = wellFormed;
            timing.type = type;
            timing.via = via;
            timing.interval = interval;
            timing.timeout = timeout;
            timing.rise = rise;
            timing.fall = fall;
            return timing;
        }
    }
}
