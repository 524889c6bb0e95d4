package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values from nodes. Each reader reports a problem and returns the caller's fallback when the node does
 * not hold what is expected, so loading goes on and finds every other problem too.
 */
final class YamlValues
{
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
    /** YAML 1.2 core schema integers (section 10.3.2). */
    private static final Pattern DECIMAL = Pattern.compile("[-+]?[0-9]+");
    /** Operator-chosen names end up in counters, metrics labels and CLI arguments: keep them plain. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final String NAME_RULE = "a name of letters, digits, '.', '_' and '-' (at most 63, starting with a letter or digit)";
    /** Linux's largest NR_CPUS (CONFIG_NR_CPUS_RANGE_END) is 8192. */
    static final int MAX_CPU = 8191;
    /** Stands in for an address that had a problem, so parsing goes on; never escapes, since a problem was reported. */
    static final InetAddress PLACEHOLDER = IpLiterals.parse("0.0.0.0");

    private final Problems problems;

    YamlValues(final Problems problems)
    {
        this.problems = problems;
    }

    /** How a node looks to the operator, for "found ..." in messages. */
    static String describe(final Node node)
    {
        if (node instanceof MappingNode)
        {
            return "a mapping";
        }
        if (node instanceof SequenceNode)
        {
            return "a list";
        }
        final ScalarNode scalar = (ScalarNode)node;
        final Tag tag = scalar.getTag();
        if (Tag.NULL.equals(tag))
        {
            return "nothing";
        }
        if (Tag.INT.equals(tag))
        {
            return "the integer " + scalar.getValue();
        }
        if (Tag.FLOAT.equals(tag))
        {
            return "the number " + scalar.getValue();
        }
        if (Tag.BOOL.equals(tag))
        {
            return "the boolean " + scalar.getValue();
        }
        if (!scalar.isPlain() && DECIMAL.matcher(scalar.getValue()).matches())
        {
            return "the quoted text \"" + scalar.getValue() + "\" (write numbers without quotes)";
        }
        return quote(scalar.getValue());
    }

    /** The operator's text in a message, cut short when it is long (a block scalar where a word belonged). */
    static String quote(final String text)
    {
        final int limit = 60;
        return "'" + (text.length() <= limit ? text : text.substring(0, limit) + "...") + "'";
    }

    YamlMap map(final Node node, final String field, final List<String> allowed)
    {
        return map(node, field, allowed, Map.of());
    }

    /** @return null, with a problem reported, when the node is not a mapping */
    YamlMap map(final Node node, final String field, final List<String> allowed, final Map<String, String> reserved)
    {
        if (node instanceof final MappingNode mapping)
        {
            return new YamlMap(mapping, field, allowed, reserved, problems, this);
        }
        problems.at(node, field, "expected a mapping with fields " + String.join(", ", allowed) + ", found " + describe(node));
        return null;
    }

    /** @return null, with a problem reported, when the node is not a list */
    List<Node> list(final Node node, final String field, final String ofWhat)
    {
        if (node instanceof final SequenceNode sequence)
        {
            return sequence.getValue();
        }
        problems.at(node, field, "expected a list of " + ofWhat + ", found " + describe(node));
        return null;
    }

    /** Any non-empty scalar as text: a name like {@code 443} or {@code true} is meant as the text the operator wrote. */
    String text(final Node node, final String field, final String expected, final String fallback)
    {
        if (node instanceof final ScalarNode scalar && !Tag.NULL.equals(scalar.getTag()) && !scalar.getValue().isEmpty())
        {
            return scalar.getValue();
        }
        problems.at(node, field, "expected " + expected + ", found " + describe(node));
        return fallback;
    }

    /** true or false, unquoted; null (with a problem reported) for anything else. */
    Boolean bool(final Node node, final String field)
    {
        if (node instanceof final ScalarNode scalar && Tag.BOOL.equals(scalar.getTag()))
        {
            return Boolean.parseBoolean(scalar.getValue().toLowerCase(java.util.Locale.ROOT));
        }
        problems.at(node, field, "expected true or false, found " + describe(node));
        return null;
    }

    /** Integers must be written as integers: a quoted "80" is refused, since quoting usually hides a typo elsewhere. */
    int integer(final Node node, final String field, final int min, final int max, final int fallback)
    {
        final String expected = "an integer from " + min + " to " + max;
        if (!(node instanceof final ScalarNode scalar) || !Tag.INT.equals(scalar.getTag()))
        {
            problems.at(node, field, "expected " + expected + ", found " + describe(node));
            return fallback;
        }
        final BigInteger value;
        try
        {
            value = parseCoreInteger(scalar.getValue());
        }
        catch (final NumberFormatException e)
        {
            // Only an explicit !!int tag on something that is not a number gets here.
            problems.at(node, field, "expected " + expected + ", found " + scalar.getValue());
            return fallback;
        }
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0)
        {
            problems.at(node, field, "expected " + expected + ", found " + scalar.getValue());
            return fallback;
        }
        return value.intValueExact();
    }

    /** {@code 900s}, {@code 100ms}, {@code 5m}, {@code 1h}: a bare number is refused, its unit would be a guess. */
    Duration duration(final Node node, final String field, final Duration fallback)
    {
        final String expected = "a duration with a unit (ms, s, m or h), like 900s or 100ms";
        if (!(node instanceof final ScalarNode scalar) || Tag.NULL.equals(scalar.getTag()))
        {
            problems.at(node, field, "expected " + expected + ", found " + describe(node));
            return fallback;
        }
        final Matcher matcher = DURATION.matcher(scalar.getValue());
        if (!matcher.matches())
        {
            problems.at(node, field, "expected " + expected + ", found " + describe(node));
            return fallback;
        }
        final long amount = Long.parseLong(matcher.group(1));
        final Duration duration = switch (matcher.group(2))
        {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        if (duration.isZero())
        {
            problems.at(node, field, "expected a duration greater than zero, found " + scalar.getValue());
            return fallback;
        }
        return duration;
    }

    /** One of a fixed set of lower-case words, such as {@code tcp | udp}. */
    <E extends Enum<E>> E choice(final Node node, final String field, final E[] values, final Function<E, String> yamlName,
        final E fallback)
    {
        final List<String> names = new ArrayList<>();
        for (final E value : values)
        {
            names.add(yamlName.apply(value));
        }
        if (node instanceof final ScalarNode scalar)
        {
            for (final E value : values)
            {
                if (yamlName.apply(value).equals(scalar.getValue()))
                {
                    return value;
                }
            }
        }
        problems.at(node, field, "expected one of " + String.join(", ", names) + ", found " + describe(node));
        return fallback;
    }

    InetAddress address(final Node node, final String field, final InetAddress fallback)
    {
        final String text = text(node, field, "an IPv4 or IPv6 address literal", null);
        if (text == null)
        {
            return fallback;
        }
        try
        {
            return IpLiterals.parse(text);
        }
        catch (final IllegalArgumentException e)
        {
            problems.at(node, field, "expected an IPv4 or IPv6 address literal, found " + e.getMessage());
            return fallback;
        }
    }

    /** A service's or pool's name, checked against {@link #NAME_RULE}; as written even when it breaks the rule. */
    String name(final Node node, final String field)
    {
        final String name = text(node, field, NAME_RULE, "");
        if (!name.isEmpty() && !NAME.matcher(name).matches())
        {
            problems.at(node, field, "expected " + NAME_RULE + ", found '" + name + "'");
        }
        return name;
    }

    /**
     * A list of distinct CPU numbers, one per {@code user} (a worker, an event loop); null when it is not a list.
     * A CPU given twice is reported, and stays in the list so the count still matches.
     */
    List<Integer> cpus(final Node node, final String field, final String user)
    {
        final List<Node> items = list(node, field, "CPU numbers, one per " + user);
        if (items == null)
        {
            return null;
        }
        final List<Integer> cpus = new ArrayList<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String itemField = field + "[" + i + "]";
            final int cpu = integer(items.get(i), itemField, 0, MAX_CPU, -1);
            if (cpu >= 0 && cpus.contains(cpu))
            {
                problems.at(items.get(i), itemField, "CPU " + cpu + " is given to two " + user + "s; each " + user +
                    " needs its own");
            }
            cpus.add(cpu);
        }
        return cpus;
    }

    /** VIPs and backends are unicast hosts: 0.0.0.0, :: or a multicast group there is always a mistake. */
    InetAddress unicast(final Node node, final String field)
    {
        final InetAddress address = address(node, field, null);
        if (address == null)
        {
            return PLACEHOLDER;
        }
        if (address.isAnyLocalAddress() || address.isMulticastAddress() || isV4Broadcast(address))
        {
            problems.at(node, field, "expected a unicast address, found " + IpLiterals.format(address));
        }
        return address;
    }

    /** {@code ADDRESS:PORT}, an IPv6 address in brackets; {@link #PLACEHOLDER} with the API's port when it is not. */
    InetSocketAddress listenAddress(final String text, final Node node, final String field)
    {
        final int colon = text.lastIndexOf(':');
        final String host = colon < 0 ? "" : text.substring(0, colon);
        final String port = colon < 0 ? "" : text.substring(colon + 1);
        try
        {
            final String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1)
                : host;
            final int number = Integer.parseInt(port);
            if (number < 1 || number > 65535 || (literal.contains(":") && !host.startsWith("[")))
            {
                throw new IllegalArgumentException();
            }
            return new InetSocketAddress(IpLiterals.parse(literal), number);
        }
        catch (final IllegalArgumentException e)
        {
            problems.at(node, field, "expected ADDRESS:PORT, like 127.0.0.1:9090 or [::1]:9090, found " + quote(text));
            return new InetSocketAddress(PLACEHOLDER, ApiConfig.DEFAULT_PORT);
        }
    }

    Cidr cidr(final Node node, final String field, final boolean v4, final Cidr fallback)
    {
        final String expected = "an " + (v4 ? "IPv4 prefix like 172.16.0.0/16" : "IPv6 prefix like fd00:f1c::/64");
        final String text = text(node, field, expected, null);
        if (text == null)
        {
            return fallback;
        }
        try
        {
            final Cidr cidr = Cidr.parse(text);
            if (cidr.isV4() != v4)
            {
                problems.at(node, field, "expected " + expected + ", found the " + (v4 ? "IPv6" : "IPv4") + " prefix " + text);
                return fallback;
            }
            return cidr;
        }
        catch (final IllegalArgumentException e)
        {
            problems.at(node, field, "expected " + expected + ", found " + e.getMessage());
            return fallback;
        }
    }

    long mac(final Node node, final String field, final long fallback)
    {
        final String text = text(node, field, "a MAC address like 02:00:00:00:00:11", null);
        if (text == null)
        {
            return fallback;
        }
        try
        {
            return MacAddresses.parse(text);
        }
        catch (final IllegalArgumentException e)
        {
            problems.at(node, field, "expected a MAC address like 02:00:00:00:00:11 (six hexadecimal octets separated by " +
                "colons), found '" + text + "'");
            return fallback;
        }
    }

    private static boolean isV4Broadcast(final InetAddress address)
    {
        return address instanceof Inet4Address && address.getHostAddress().equals("255.255.255.255");
    }

    /** Decimal, 0o octal and 0x hexadecimal, as the core schema's resolver accepted them. */
    private static BigInteger parseCoreInteger(final String text)
    {
        if (text.startsWith("0x"))
        {
            return new BigInteger(text.substring(2), 16);
        }
        if (text.startsWith("0o"))
        {
            return new BigInteger(text.substring(2), 8);
        }
        return new BigInteger(text.startsWith("+") ? text.substring(1) : text);
    }
}
