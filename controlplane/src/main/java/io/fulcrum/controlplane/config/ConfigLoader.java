package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Primes;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Fulcrum YAML file into a {@link FulcrumConfig}, or refuses it with every problem found.
 *
 * <p>It works on snakeyaml's node tree rather than on maps and lists, because each node keeps where it starts in the
 * file: every message can point at a line and column. The YAML 1.2 core schema decides scalar types.
 */
public final class ConfigLoader
{
    static final List<String> TOP_LEVEL = List.of("dataplane", "services", "pools", "api", "vrrp", "sync");
    static final List<String> SYNC = List.of("local", "peer", "key", "key-file", "max-bandwidth", "ring-size",
        "retransmit-buffer", "resync-interval");
    static final List<String> VRRP = List.of("name", "interface", "vrid", "priority", "advert-interval",
        "virtual-addresses", "preempt", "preempt-delay", "unicast-peers", "source-address", "notify", "garp-count",
        "garp-refresh", "virtual-mac", "sync-group", "accept", "track-pools");
    static final List<String> TRACK_POOL = List.of("pool", "min-healthy", "weight");
    static final List<String> API = List.of("listen", "tokens", "token-file", "tls");
    static final List<String> TLS = List.of("certificate", "key");
    static final List<String> DATAPLANE = List.of("interfaces", "packet-io", "workers", "cores", "idle", "batch-size",
        "mtu", "connection-table", "encapsulation", "counters-file");
    static final List<String> CONNECTION_TABLE = List.of("capacity", "tcp-timeout", "tcp-closing-timeout", "udp-timeout",
        "file", "persistent");
    static final List<String> ENCAPSULATION = List.of("ipv4-source", "ipv6-source", "gue-port");
    static final List<String> SERVICE = List.of("name", "vip", "port", "protocol", "forwarding", "scheduler",
        "maglev-table-size", "pool");
    static final List<String> POOL = List.of("name", "backends", "health-check");
    static final List<String> BACKEND = List.of("address", "weight", "mac", "health-check");

    /**
     * Sections later releases will read. Refused rather than ignored: an operator who writes a vrrp section and gets
     * no failover, silently, is worse off than one told it is not there yet.
     */
    static final Map<String, String> RESERVED_TOP_LEVEL = reserved("health-checks", "health checks");

    /** Operator-chosen names end up in counters, metrics labels and CLI arguments: keep them plain. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final String NAME_RULE = "a name of letters, digits, '.', '_' and '-' (at most 63, starting with a letter or digit)";
    /** Linux IFNAMSIZ is 16 with the terminating NUL (include/uapi/linux/if.h); dev_valid_name refuses '/', ':' and spaces. */
    private static final Pattern INTERFACE = Pattern.compile("[^/:\\s]{1,15}");
    /** Linux's largest NR_CPUS (CONFIG_NR_CPUS_RANGE_END) is 8192. */
    private static final int MAX_CPU = 8191;
    /** Stands in for an address that had a problem, so parsing goes on; never escapes, since a problem was reported. */
    private static final InetAddress PLACEHOLDER = IpLiterals.parse("0.0.0.0");

    private final Problems problems;
    private final YamlValues values;
    private final HealthCheckReader healthChecks;

    private ConfigLoader(final Path file)
    {
        this.problems = new Problems(file);
        this.values = new YamlValues(problems);
        this.healthChecks = new HealthCheckReader(problems, values);
    }

    /**
     * @param file the file to read; messages name it as given
     * @throws ConfigException listing every problem, when the file cannot be read or is not a valid configuration
     */
    public static FulcrumConfig load(final Path file) throws ConfigException
    {
        final String text;
        try
        {
            final byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        }
        catch (final NoSuchFileException e)
        {
            throw single(file, "cannot read the file: it does not exist");
        }
        catch (final AccessDeniedException e)
        {
            throw single(file, "cannot read the file: permission denied");
        }
        catch (final CharacterCodingException e)
        {
            throw single(file, "cannot read the file: it is not UTF-8 text");
        }
        catch (final IOException e)
        {
            throw single(file, "cannot read the file: " + e.getMessage());
        }
        return parse(file, text);
    }

    /**
     * Parses YAML text that came from somewhere other than a file (an API request, a test).
     *
     * @param file the name to give in problems
     */
    public static FulcrumConfig parse(final Path file, final String yaml) throws ConfigException
    {
        return new ConfigLoader(file).read(yaml);
    }

    private static ConfigException single(final Path file, final String message)
    {
        return new ConfigException(List.of(new ConfigProblem(file, 0, 0, "", message)));
    }

    private FulcrumConfig read(final String yaml) throws ConfigException
    {
        final Optional<Node> root = compose(yaml);
        problems.throwIfAny();
        if (root.isEmpty())
        {
            problems.atLine(1, 1, "", "the file is empty: expected a mapping with sections " + String.join(", ", TOP_LEVEL));
            throw problems.exception();
        }
        final YamlMap top = values.map(root.get(), "", TOP_LEVEL, RESERVED_TOP_LEVEL);
        if (top == null)
        {
            throw problems.exception(); // map() reported it: not a mapping, nothing else to check
        }
        final Node dataplaneNode = top.optional("dataplane");
        final DataplaneConfig dataplane = dataplaneNode == null ? DataplaneConfig.defaults() : dataplane(dataplaneNode);
        final List<Parsed<PoolConfig>> pools = pools(top.optional("pools"));
        final List<Parsed<ServiceConfig>> services = services(top.optional("services"));
        checkServices(services, pools);
        final Node apiNode = top.optional("api");
        final Optional<ApiConfig> api = apiNode == null ? Optional.empty() : Optional.ofNullable(api(apiNode));
        final Node vrrpNode = top.optional("vrrp");
        final List<VrrpInstanceConfig> vrrp = vrrpNode == null ? List.of() : vrrp(vrrpNode, unwrap(pools));
        final Node syncNode = top.optional("sync");
        final Optional<SyncConfig> sync = syncNode == null ? Optional.empty() : Optional.ofNullable(sync(syncNode));
        if (syncNode != null && vrrpNode == null)
        {
            problems.at(syncNode, "sync", "sync needs a vrrp section: the master sends and the backup receives, as "
                + "VRRP decides");
        }
        problems.throwIfAny();
        return new FulcrumConfig(problems.file(), dataplane, unwrap(services), unwrap(pools), api, vrrp, sync);
    }

    private Optional<Node> compose(final String yaml)
    {
        final LoadSettings settings = LoadSettings.builder()
            .setLabel(problems.file().toString())
            .setSchema(new CoreSchema())
            .setAllowNonScalarKeys(true) // so YamlMap can say which key, instead of a problem without a position
            .build();
        try
        {
            return new Compose(settings).composeString(yaml);
        }
        catch (final MarkedYamlEngineException e)
        {
            final Optional<Mark> mark = e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark();
            String message = "YAML syntax: " + (e.getProblem() == null ? "invalid" : e.getProblem().strip());
            if (e.getContext() != null && !e.getContext().isBlank() && e.getContextMark().isPresent())
            {
                final Mark context = e.getContextMark().get();
                message += " (" + e.getContext().strip() + " at line " + (context.getLine() + 1) + ", column " +
                    (context.getColumn() + 1) + ")";
            }
            problems.at(mark, "", message);
        }
        catch (final ReaderException e)
        {
            // Control characters and the like (YAML 1.2 section 5.1); the reader counts code points, not lines.
            final int[] lineAndColumn = lineAndColumn(yaml, e.getPosition());
            problems.atLine(lineAndColumn[0], lineAndColumn[1], "", "YAML: character U+" +
                String.format("%04X", e.getCodePoint()) + " is not allowed in a YAML file");
        }
        catch (final YamlEngineException e)
        {
            problems.atLine(0, 0, "", "YAML: " + e.getMessage());
        }
        return Optional.empty();
    }

    private static int[] lineAndColumn(final String text, final int codePointIndex)
    {
        int line = 1;
        int column = 1;
        int index = 0;
        for (int i = 0; i < text.length() && index < codePointIndex; i += Character.charCount(text.codePointAt(i)), index++)
        {
            if (text.charAt(i) == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return new int[]{line, column};
    }

    /** {@code vrrp:} a list of instances; names and VRIDs (per interface) unique. */
    private List<VrrpInstanceConfig> vrrp(final Node node, final List<PoolConfig> pools)
    {
        final List<VrrpInstanceConfig> instances = new ArrayList<>();
        final List<Node> items = values.list(node, "vrrp", "VRRP instances");
        if (items == null)
        {
            return instances;
        }
        for (int i = 0; i < items.size(); i++)
        {
            final String field = "vrrp[" + i + "]";
            final YamlMap map = values.map(items.get(i), field, VRRP);
            if (map == null)
            {
                continue;
            }
            final int before = problems.count();
            final String name = required(map, "name", "a name, like VI_1");
            final String interfaceName = required(map, "interface", "the interface the VIPs live on");
            final Node vridNode = map.optional("vrid");
            if (vridNode == null)
            {
                problems.at(items.get(i), field, "expected vrid (1 to 255): the virtual router's id on the LAN");
            }
            final int vrid = vridNode == null ? 1 : values.integer(vridNode, map.field("vrid"), 1, 255, 1);
            final int priority = optionalInteger(map, "priority", 1, 255, VrrpInstanceConfig.DEFAULT_PRIORITY);
            final Duration interval = optionalDuration(map, "advert-interval", VrrpInstanceConfig.DEFAULT_ADVERT_INTERVAL);
            if (interval.toMillis() < 10 || interval.toMillis() > 40_950 || interval.toMillis() % 10 != 0)
            {
                problems.at(map.optional("advert-interval"), map.field("advert-interval"),
                    "expected 10ms to 40950ms in steps of 10ms (VRRPv3 counts centiseconds), found " + interval.toMillis()
                        + "ms");
            }
            final List<String> addresses = new ArrayList<>();
            final Node addressesNode = map.optional("virtual-addresses");
            final List<Node> addressItems = addressesNode == null ? null
                : values.list(addressesNode, map.field("virtual-addresses"), "ADDRESS[/PREFIX] entries");
            if (addressesNode == null)
            {
                problems.at(items.get(i), field, "expected virtual-addresses: the VIPs this instance moves");
            }
            Boolean v4 = null;
            for (int a = 0; addressItems != null && a < addressItems.size(); a++)
            {
                final String addressField = map.field("virtual-addresses") + "[" + a + "]";
                final String text = values.text(addressItems.get(a), addressField, "ADDRESS[/PREFIX]", null);
                if (text == null)
                {
                    continue;
                }
                final String literal = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
                try
                {
                    final boolean isV4 = IpLiterals.parse(literal).getAddress().length == 4;
                    if (v4 != null && v4 != isV4)
                    {
                        problems.at(addressItems.get(a), addressField, "one instance carries one address family "
                            + "(RFC 9568 never mixes them): put IPv6 VIPs in an instance of their own");
                    }
                    v4 = isV4;
                    addresses.add(text);
                }
                catch (final IllegalArgumentException e)
                {
                    problems.at(addressItems.get(a), addressField, "expected ADDRESS[/PREFIX], found "
                        + YamlValues.quote(text));
                }
            }
            final boolean preempt = optionalBoolean(map, "preempt", true);
            final Duration preemptDelay = optionalDuration(map, "preempt-delay", Duration.ZERO);
            final List<InetAddress> peers = new ArrayList<>();
            final Node peersNode = map.optional("unicast-peers");
            final List<Node> peerItems = peersNode == null ? null
                : values.list(peersNode, map.field("unicast-peers"), "peer addresses");
            for (int p = 0; peerItems != null && p < peerItems.size(); p++)
            {
                final InetAddress peer = values.address(peerItems.get(p), map.field("unicast-peers") + "[" + p + "]", null);
                if (peer != null)
                {
                    peers.add(peer);
                }
            }
            final Node sourceNode = map.optional("source-address");
            final Optional<InetAddress> source = sourceNode == null ? Optional.empty()
                : Optional.ofNullable(values.address(sourceNode, map.field("source-address"), null));
            final Node notifyNode = map.optional("notify");
            final Optional<String> notify = notifyNode == null ? Optional.empty()
                : Optional.ofNullable(values.text(notifyNode, map.field("notify"), "a program path", null));
            final int garpCount = optionalInteger(map, "garp-count", 1, 100, VrrpInstanceConfig.DEFAULT_GARP_COUNT);
            final Duration garpRefresh = optionalDuration(map, "garp-refresh", Duration.ZERO);
            // RFC 9568 section 7.3: the virtual router MAC is what the RFC expects; neighbours never relearn on failover
            final boolean virtualMac = optionalBoolean(map, "virtual-mac", true);
            // RFC 9568 Accept_Mode, off by default as the RFC says (an owner, priority 255, accepts regardless)
            final boolean accept = optionalBoolean(map, "accept", false);
            final List<TrackedPool> trackPools = trackPools(map, pools);
            final Node groupNode = map.optional("sync-group");
            final Optional<String> group = groupNode == null ? Optional.empty()
                : Optional.ofNullable(values.text(groupNode, map.field("sync-group"), "a group name", null));
            for (final VrrpInstanceConfig other : instances)
            {
                if (other.name().equals(name))
                {
                    problems.at(map.optional("name"), map.field("name"), "instance name '" + name + "' is used twice");
                }
                else if (other.vrid() == vrid && other.interfaceName().equals(interfaceName))
                {
                    problems.at(vridNode, map.field("vrid"), "vrid " + vrid + " on " + interfaceName
                        + " is used by instance " + other.name() + " too");
                }
            }
            if (problems.count() == before && name != null && interfaceName != null)
            {
                instances.add(new VrrpInstanceConfig(name, interfaceName, vrid, priority, interval, addresses, preempt,
                    preemptDelay, peers, source, notify, garpCount, garpRefresh, virtualMac, group, accept, trackPools));
            }
        }
        return instances;
    }

    private static final Pattern BANDWIDTH = Pattern.compile("([0-9]{1,9})(kbit|mbit|gbit)");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,6})(KiB|MiB)");
    private static final Pattern HEX = Pattern.compile("([0-9a-fA-F]{2})+");

    /** {@code sync:} the pair's sync link and key; null when it had problems. */
    private SyncConfig sync(final Node node)
    {
        final YamlMap map = values.map(node, "sync", SYNC);
        if (map == null)
        {
            return null;
        }
        final int before = problems.count();
        final InetSocketAddress local = syncAddress(map, "local");
        final InetSocketAddress peer = syncAddress(map, "peer");
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
        long bandwidth = SyncConfig.DEFAULT_MAX_BYTES_PER_SECOND;
        final Node bandwidthNode = map.optional("max-bandwidth");
        if (bandwidthNode != null)
        {
            final String text = values.text(bandwidthNode, map.field("max-bandwidth"), "a rate like 10mbit", null);
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
                problems.at(bandwidthNode, map.field("max-bandwidth"), "expected a rate from 80kbit to 100gbit, "
                    + "like 10mbit, found " + (text == null ? "nothing" : YamlValues.quote(text)));
            }
        }
        int ringBytes = SyncConfig.DEFAULT_RING_BYTES;
        final Node ringNode = map.optional("ring-size");
        if (ringNode != null)
        {
            final String text = values.text(ringNode, map.field("ring-size"), "a size like 1MiB", null);
            final Matcher matcher = text == null ? null : SIZE.matcher(text);
            long bytes = 0;
            if (matcher != null && matcher.matches())
            {
                bytes = Long.parseLong(matcher.group(1)) * (matcher.group(2).equals("KiB") ? 1024 : 1024 * 1024);
            }
            if (bytes < 4096 || bytes > (256 << 20) || Long.bitCount(bytes) != 1)
            {
                problems.at(ringNode, map.field("ring-size"), "expected a power of two from 4KiB to 256MiB, like "
                    + "1MiB, found " + (text == null ? "nothing" : YamlValues.quote(text)));
            }
            else
            {
                ringBytes = (int)bytes;
            }
        }
        final int retransmit = optionalInteger(map, "retransmit-buffer", 8, 65_536,
            SyncConfig.DEFAULT_RETRANSMIT_BUFFER);
        if (Integer.bitCount(retransmit) != 1)
        {
            problems.at(map.optional("retransmit-buffer"), map.field("retransmit-buffer"),
                "expected a power of two (datagrams), found " + retransmit);
        }
        final Duration resync = optionalDuration(map, "resync-interval", SyncConfig.DEFAULT_RESYNC_INTERVAL);
        return problems.count() == before && local != null && peer != null
            ? new SyncConfig(local, peer, key, keyFile, bandwidth, ringBytes, retransmit, resync) : null;
    }

    private InetSocketAddress syncAddress(final YamlMap map, final String key)
    {
        final String text = required(map, key, "ADDRESS:PORT on the sync link, like 10.200.9.1:7946");
        return text == null ? null : listenAddress(text, map.optional(key), map.field(key));
    }

    /** {@code track-pools:} of one VRRP instance: each names a pool of this file, once. */
    private List<TrackedPool> trackPools(final YamlMap instance, final List<PoolConfig> pools)
    {
        final List<TrackedPool> tracked = new ArrayList<>();
        final Node node = instance.optional("track-pools");
        final List<Node> items = node == null ? null
            : values.list(node, instance.field("track-pools"), "pools to track: { pool, min-healthy, weight }");
        for (int t = 0; items != null && t < items.size(); t++)
        {
            final String field = instance.field("track-pools") + "[" + t + "]";
            final YamlMap map = values.map(items.get(t), field, TRACK_POOL);
            if (map == null)
            {
                continue;
            }
            final int before = problems.count();
            final String pool = required(map, "pool", "the name of a pool to track");
            final int minHealthy = optionalInteger(map, "min-healthy", 1, 65_535, 1);
            final int weight = optionalInteger(map, "weight", -TrackedPool.MAX_WEIGHT, TrackedPool.MAX_WEIGHT, 0);
            if (pool != null && problems.count() == before)
            {
                final PoolConfig config = pools.stream().filter(p -> p.name().equals(pool)).findFirst().orElse(null);
                if (config == null)
                {
                    problems.at(map.optional("pool"), map.field("pool"), "no pool named '" + pool + "' (pools: "
                        + (pools.isEmpty() ? "none" : String.join(", ", pools.stream().map(PoolConfig::name).toList()))
                        + ")");
                }
                else if (minHealthy > config.backends().size())
                {
                    problems.at(map.optional("min-healthy"), map.field("min-healthy"), "pool '" + pool + "' has "
                        + config.backends().size() + " backend(s): it could never have " + minHealthy + " healthy");
                }
                else if (tracked.stream().anyMatch(other -> other.pool().equals(pool)))
                {
                    problems.at(map.optional("pool"), map.field("pool"), "pool '" + pool + "' is tracked twice");
                }
                else
                {
                    tracked.add(new TrackedPool(pool, minHealthy, weight));
                }
            }
        }
        return tracked;
    }

    private String required(final YamlMap map, final String key, final String expected)
    {
        final Node node = map.optional(key);
        if (node == null)
        {
            problems.at(map.node(), map.path(), "expected " + key + ": " + expected);
            return null;
        }
        return values.text(node, map.field(key), expected, null);
    }

    private boolean optionalBoolean(final YamlMap map, final String key, final boolean fallback)
    {
        final Node node = map.optional(key);
        final Boolean value = node == null ? null : values.bool(node, map.field(key));
        return value == null ? fallback : value;
    }

    /** {@code api:} listen address, tokens (inline or in a file), optional TLS; null when it had problems. */
    private ApiConfig api(final Node node)
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
                listen = listenAddress(text, listenNode, map.field("listen"));
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

    private InetSocketAddress listenAddress(final String text, final Node node, final String field)
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
            problems.at(node, field, "expected ADDRESS:PORT, like 127.0.0.1:9090 or [::1]:9090, found "
                + YamlValues.quote(text));
            return new InetSocketAddress(PLACEHOLDER, ApiConfig.DEFAULT_PORT);
        }
    }

    private DataplaneConfig dataplane(final Node node)
    {
        final DataplaneConfig defaults = DataplaneConfig.defaults();
        final YamlMap map = values.map(node, "dataplane", DATAPLANE);
        if (map == null)
        {
            return defaults;
        }
        final List<String> interfaces = interfaces(map);
        final PacketIo packetIo = optionalChoice(map, "packet-io", PacketIo.values(), PacketIo::yamlName, defaults.packetIo());
        final int problemsBefore = problems.count();
        final int workers = optionalInteger(map, "workers", 1, DataplaneConfig.MAX_WORKERS, defaults.workers());
        // With workers already wrong, a count mismatch with cores would be the same mistake reported twice.
        final List<Integer> cores = problems.count() == problemsBefore ? cores(map, workers) : List.of();
        final IdleMode idle = optionalChoice(map, "idle", IdleMode.values(), IdleMode::yamlName, defaults.idle());
        final int batchSize = optionalInteger(map, "batch-size", 1, DataplaneConfig.MAX_BATCH_SIZE, defaults.batchSize());
        final int mtu = optionalInteger(map, "mtu", DataplaneConfig.MIN_MTU, DataplaneConfig.MAX_MTU, defaults.mtu());
        final Node tableNode = map.optional("connection-table");
        final ConnectionTableConfig table = tableNode == null ? defaults.connectionTable() : connectionTable(tableNode);
        final Node encapsulationNode = map.optional("encapsulation");
        final EncapsulationConfig encapsulation = encapsulationNode == null ? defaults.encapsulation() :
            encapsulation(encapsulationNode);
        final Node countersNode = map.optional("counters-file");
        final Path countersFile = countersNode == null ? defaults.countersFile() :
            Path.of(values.text(countersNode, map.field("counters-file"), "a file path", defaults.countersFile().toString()));
        return new DataplaneConfig(interfaces, packetIo, workers, cores, idle, batchSize, mtu, table, encapsulation,
            countersFile);
    }

    private List<String> interfaces(final YamlMap dataplane)
    {
        final List<String> interfaces = new ArrayList<>();
        final Node node = dataplane.optional("interfaces");
        if (node == null)
        {
            return interfaces;
        }
        final List<Node> items = values.list(node, dataplane.field("interfaces"), "interface names, like [eth1]");
        if (items == null)
        {
            return interfaces;
        }
        for (int i = 0; i < items.size(); i++)
        {
            final String field = dataplane.field("interfaces") + "[" + i + "]";
            final String name = values.text(items.get(i), field, "an interface name", null);
            if (name == null)
            {
                continue;
            }
            if (!INTERFACE.matcher(name).matches())
            {
                problems.at(items.get(i), field, "expected a Linux interface name (1 to 15 characters, no '/', ':' " +
                    "or spaces), found '" + name + "'");
            }
            else if (interfaces.contains(name))
            {
                problems.at(items.get(i), field, "interface '" + name + "' is listed twice");
            }
            else
            {
                interfaces.add(name);
            }
        }
        return interfaces;
    }

    private List<Integer> cores(final YamlMap dataplane, final int workers)
    {
        final Node node = dataplane.optional("cores");
        if (node == null)
        {
            return List.of();
        }
        final List<Node> items = values.list(node, dataplane.field("cores"), "CPU numbers, one per worker");
        if (items == null)
        {
            return List.of();
        }
        final List<Integer> cores = new ArrayList<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String field = dataplane.field("cores") + "[" + i + "]";
            final int core = values.integer(items.get(i), field, 0, MAX_CPU, -1);
            if (core >= 0 && cores.contains(core))
            {
                problems.at(items.get(i), field, "CPU " + core + " is given to two workers; each worker needs its own");
            }
            cores.add(core);
        }
        if (cores.size() != workers)
        {
            problems.at(node, dataplane.field("cores"), "expected one CPU per worker (" + workers + "), found " +
                cores.size());
            return List.of();
        }
        return cores;
    }

    private ConnectionTableConfig connectionTable(final Node node)
    {
        final ConnectionTableConfig defaults = ConnectionTableConfig.defaults();
        final YamlMap map = values.map(node, "dataplane.connection-table", CONNECTION_TABLE);
        if (map == null)
        {
            return defaults;
        }
        final int capacity = optionalInteger(map, "capacity", 1, ConnectionTableConfig.MAX_CAPACITY, defaults.capacity());
        final Duration tcpTimeout = optionalDuration(map, "tcp-timeout", defaults.tcpTimeout());
        final Duration tcpClosingTimeout = optionalDuration(map, "tcp-closing-timeout", defaults.tcpClosingTimeout());
        final Duration udpTimeout = optionalDuration(map, "udp-timeout", defaults.udpTimeout());
        final boolean persistent = optionalBoolean(map, "persistent", true);
        Path file = ConnectionTableConfig.DEFAULT_FILE;
        final Node fileNode = map.optional("file");
        if (fileNode != null)
        {
            final String rule = "an absolute file path, like " + ConnectionTableConfig.DEFAULT_FILE;
            final String text = values.text(fileNode, map.field("file"), rule, null);
            if (text != null)
            {
                final Path path = Path.of(text);
                if (!path.isAbsolute() || path.getFileName() == null || text.endsWith("/"))
                {
                    problems.at(fileNode, map.field("file"), "expected " + rule + ", found '" + text + "'");
                }
                else
                {
                    file = path;
                }
            }
        }
        return new ConnectionTableConfig(capacity, tcpTimeout, tcpClosingTimeout, udpTimeout,
            persistent ? Optional.of(file) : Optional.empty());
    }

    private EncapsulationConfig encapsulation(final Node node)
    {
        final EncapsulationConfig defaults = EncapsulationConfig.defaults();
        final YamlMap map = values.map(node, "dataplane.encapsulation", ENCAPSULATION);
        if (map == null)
        {
            return defaults;
        }
        final Node v4 = map.optional("ipv4-source");
        final Node v6 = map.optional("ipv6-source");
        return new EncapsulationConfig(
            v4 == null ? defaults.ipv4Source() : values.cidr(v4, map.field("ipv4-source"), true, defaults.ipv4Source()),
            v6 == null ? defaults.ipv6Source() : values.cidr(v6, map.field("ipv6-source"), false, defaults.ipv6Source()),
            optionalInteger(map, "gue-port", 1, 65535, defaults.guePort()));
    }

    private List<Parsed<ServiceConfig>> services(final Node node)
    {
        final List<Parsed<ServiceConfig>> services = new ArrayList<>();
        if (node == null)
        {
            return services;
        }
        final List<Node> items = values.list(node, "services", "services");
        if (items == null)
        {
            return services;
        }
        for (int i = 0; i < items.size(); i++)
        {
            final YamlMap map = values.map(items.get(i), "services[" + i + "]", SERVICE);
            if (map != null)
            {
                services.add(new Parsed<>(service(map), map));
            }
        }
        return services;
    }

    private ServiceConfig service(final YamlMap map)
    {
        final String name = name(map);
        final Node vipNode = map.required("vip", "an IPv4 or IPv6 address literal");
        final InetAddress vip = vipNode == null ? PLACEHOLDER : unicast(vipNode, map.field("vip"));
        final Node portNode = map.required("port", "an integer from 1 to 65535");
        final int port = portNode == null ? 0 : values.integer(portNode, map.field("port"), 1, 65535, 0);
        final Protocol protocol = optionalChoice(map, "protocol", Protocol.values(), Protocol::yamlName, Protocol.TCP);
        final Encapsulation forwarding = optionalChoice(map, "forwarding", Encapsulation.values(),
            ConfigLoader::yamlName, Encapsulation.IPIP);
        final Scheduler scheduler = optionalChoice(map, "scheduler", Scheduler.values(), Scheduler::yamlName,
            Scheduler.MAGLEV);
        final int tableSize = optionalInteger(map, "maglev-table-size", 2, ServiceConfig.MAX_MAGLEV_TABLE_SIZE,
            ServiceConfig.DEFAULT_MAGLEV_TABLE_SIZE);
        final Node sizeNode = map.optional("maglev-table-size");
        if (sizeNode != null && tableSize != ServiceConfig.DEFAULT_MAGLEV_TABLE_SIZE && !Primes.isPrime(tableSize))
        {
            // Maglev's permutation (offset + j * skip) mod M visits every slot only when M is prime (paper, 3.4).
            problems.at(sizeNode, map.field("maglev-table-size"), "expected a prime number, found " + tableSize +
                " (nearby primes: " + Primes.previousPrime(tableSize) + ", " +
                    Primes.nextPrime(tableSize) + ")");
        }
        final Node poolNode = map.required("pool", "the name of a pool");
        final String pool = poolNode == null ? "" : values.text(poolNode, map.field("pool"), "the name of a pool", "");
        return new ServiceConfig(name, vip, port, protocol, forwarding, scheduler, tableSize, pool);
    }

    private List<Parsed<PoolConfig>> pools(final Node node)
    {
        final List<Parsed<PoolConfig>> pools = new ArrayList<>();
        if (node == null)
        {
            return pools;
        }
        final List<Node> items = values.list(node, "pools", "pools");
        if (items == null)
        {
            return pools;
        }
        final Map<String, Integer> firstByName = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
        {
            final YamlMap map = values.map(items.get(i), "pools[" + i + "]", POOL);
            if (map == null)
            {
                continue;
            }
            final String name = name(map);
            final Integer first = firstByName.putIfAbsent(name, i);
            if (first != null && !name.isEmpty())
            {
                problems.at(map.optional("name"), map.field("name"), "pools[" + first + "] is already named '" + name + "'");
            }
            pools.add(new Parsed<>(new PoolConfig(name, backends(map, poolHealthCheck(map))), map));
        }
        return pools;
    }

    /** The pool's check as given, for backends to inherit; null when the pool has none or it is not valid. */
    private PoolHealthCheck poolHealthCheck(final YamlMap pool)
    {
        final Node node = pool.optional("health-check");
        if (node == null)
        {
            return new PoolHealthCheck(null, null, true);
        }
        final HealthCheckReader.Fields fields = healthChecks.read(node, pool.field("health-check"));
        final HealthCheckConfig check = fields == null ? null : healthChecks.resolve(null, fields);
        return new PoolHealthCheck(fields, check, check != null);
    }

    /** A backend's effective check: the pool's, with the backend's own fields over it. */
    private Optional<HealthCheckConfig> backendHealthCheck(final YamlMap backend, final PoolHealthCheck pool)
    {
        final Node node = backend.optional("health-check");
        if (node == null)
        {
            return Optional.ofNullable(pool.check());
        }
        final HealthCheckReader.Fields fields = healthChecks.read(node, backend.field("health-check"));
        if (fields == null || !pool.valid())
        {
            return Optional.empty(); // the pool's own problem is reported once, at the pool
        }
        return Optional.ofNullable(healthChecks.resolve(pool.fields(), fields));
    }

    private List<BackendConfig> backends(final YamlMap pool, final PoolHealthCheck poolHealthCheck)
    {
        final List<BackendConfig> backends = new ArrayList<>();
        final Node node = pool.required("backends", "a list of backends");
        if (node == null)
        {
            return backends;
        }
        final List<Node> items = values.list(node, pool.field("backends"), "backends, like - { address: 10.0.0.11 }");
        if (items == null)
        {
            return backends;
        }
        if (items.isEmpty())
        {
            problems.at(node, pool.field("backends"), "a pool needs at least one backend, found an empty list");
        }
        final Map<InetAddress, Integer> firstByAddress = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String field = pool.field("backends") + "[" + i + "]";
            final YamlMap map = values.map(items.get(i), field, BACKEND);
            if (map == null)
            {
                continue;
            }
            final Node addressNode = map.required("address", "an IPv4 or IPv6 address literal");
            final InetAddress address = addressNode == null ? null : unicast(addressNode, map.field("address"));
            final int weight = optionalInteger(map, "weight", 0, BackendConfig.MAX_WEIGHT, BackendConfig.DEFAULT_WEIGHT);
            final Node macNode = map.optional("mac");
            final long mac = macNode == null ? MacAddresses.UNRESOLVED : values.mac(macNode, map.field("mac"), MacAddresses.UNRESOLVED);
            final Optional<HealthCheckConfig> healthCheck = backendHealthCheck(map, poolHealthCheck);
            if (address == null)
            {
                continue;
            }
            final Integer first = firstByAddress.putIfAbsent(address, i);
            if (first != null)
            {
                problems.at(addressNode, map.field("address"), IpLiterals.format(address) + " is already " +
                    pool.field("backends") + "[" + first + "]; a backend may appear once per pool (raise its weight instead)");
            }
            backends.add(new BackendConfig(address, weight, mac, healthCheck));
        }
        return backends;
    }

    /** What needs all services and pools at once: names, listeners and pool references. */
    private void checkServices(final List<Parsed<ServiceConfig>> services, final List<Parsed<PoolConfig>> pools)
    {
        final Map<String, PoolConfig> poolsByName = new LinkedHashMap<>();
        for (final Parsed<PoolConfig> pool : pools)
        {
            poolsByName.putIfAbsent(pool.value().name(), pool.value());
        }
        final Map<String, Integer> firstByName = new HashMap<>();
        final Map<Listener, Integer> firstByListener = new HashMap<>();
        for (int i = 0; i < services.size(); i++)
        {
            final ServiceConfig service = services.get(i).value();
            final YamlMap map = services.get(i).map();
            final Integer sameName = firstByName.putIfAbsent(service.name(), i);
            if (sameName != null && !service.name().isEmpty())
            {
                problems.at(map.optional("name"), map.field("name"), "services[" + sameName + "] is already named '" +
                    service.name() + "'");
            }
            final Node vipNode = map.optional("vip");
            if (vipNode != null && service.port() != 0 && !isPlaceholder(service.vip()))
            {
                final Integer sameListener = firstByListener.putIfAbsent(
                    new Listener(service.vip(), service.port(), service.protocol()), i);
                if (sameListener != null)
                {
                    problems.at(vipNode, map.field("vip"), "services[" + sameListener + "] already listens on " +
                        IpLiterals.format(service.vip()) + " port " + service.port() + "/" + service.protocol().yamlName());
                }
            }
            final Node poolNode = map.optional("pool");
            if (poolNode == null || service.pool().isEmpty())
            {
                continue;
            }
            final PoolConfig pool = poolsByName.get(service.pool());
            if (pool == null)
            {
                problems.at(poolNode, map.field("pool"), "no pool named '" + service.pool() + "' (pools: " +
                    (poolsByName.isEmpty() ? "none" : String.join(", ", poolsByName.keySet())) + ")");
            }
            else if (pool.backends().size() > service.maglevTableSize())
            {
                final Node sizeNode = map.optional("maglev-table-size");
                problems.at(sizeNode == null ? map.node() : sizeNode, map.field("maglev-table-size"),
                    "the Maglev table needs at least one slot per backend: " + service.maglevTableSize() +
                        " slots for " + pool.backends().size() + " backends in pool '" + pool.name() + "'");
            }
        }
    }

    private String name(final YamlMap map)
    {
        final Node node = map.required("name", NAME_RULE);
        if (node == null)
        {
            return "";
        }
        final String name = values.text(node, map.field("name"), NAME_RULE, "");
        if (!name.isEmpty() && !NAME.matcher(name).matches())
        {
            problems.at(node, map.field("name"), "expected " + NAME_RULE + ", found '" + name + "'");
        }
        return name;
    }

    /** VIPs and backends are unicast hosts: 0.0.0.0, :: or a multicast group there is always a mistake. */
    private InetAddress unicast(final Node node, final String field)
    {
        final InetAddress address = values.address(node, field, null);
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

    private static boolean isV4Broadcast(final InetAddress address)
    {
        return address instanceof Inet4Address && address.getHostAddress().equals("255.255.255.255");
    }

    private static boolean isPlaceholder(final InetAddress address)
    {
        return address == PLACEHOLDER;
    }

    private int optionalInteger(final YamlMap map, final String key, final int min, final int max, final int fallback)
    {
        final Node node = map.optional(key);
        return node == null ? fallback : values.integer(node, map.field(key), min, max, fallback);
    }

    private Duration optionalDuration(final YamlMap map, final String key, final Duration fallback)
    {
        final Node node = map.optional(key);
        return node == null ? fallback : values.duration(node, map.field(key), fallback);
    }

    private <E extends Enum<E>> E optionalChoice(final YamlMap map, final String key, final E[] choices,
        final Function<E, String> yamlName, final E fallback)
    {
        final Node node = map.optional(key);
        return node == null ? fallback : values.choice(node, map.field(key), choices, yamlName, fallback);
    }

    private static String yamlName(final Encapsulation encapsulation)
    {
        return encapsulation.name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, String> reserved(final String... keysAndWhat)
    {
        final Map<String, String> reserved = new LinkedHashMap<>();
        for (int i = 0; i < keysAndWhat.length; i += 2)
        {
            reserved.put(keysAndWhat[i], "'" + keysAndWhat[i] + "' is reserved for " + keysAndWhat[i + 1] +
                ", which this release does not have yet; remove the section");
        }
        return reserved;
    }

    private static <T> List<T> unwrap(final List<Parsed<T>> parsed)
    {
        final List<T> unwrapped = new ArrayList<>(parsed.size());
        for (final Parsed<T> item : parsed)
        {
            unwrapped.add(item.value());
        }
        return unwrapped;
    }

    /** A parsed item with its mapping, kept for the checks that span items and need to point at a field. */
    private record Parsed<T>(T value, YamlMap map)
    {
    }

    private record Listener(InetAddress vip, int port, Protocol protocol)
    {
    }

    /**
     * @param fields what the pool's health-check gives (null: none, or not a mapping)
     * @param check  the pool's resolved check, null when it has none or it is not valid
     * @param valid  false when the pool's check had a problem (backends then skip their own resolution)
     */
    private record PoolHealthCheck(HealthCheckReader.Fields fields, HealthCheckConfig check, boolean valid)
    {
    }
}
