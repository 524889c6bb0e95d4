package io.fulcrum.controlplane.config;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Fulcrum YAML file into a {@link FulcrumConfig}, or refuses it with every problem found.
 *
 * <p>It works on snakeyaml's node tree rather than on maps and lists, because each node keeps where it starts in the
 * file: every message can point at a line and column. The YAML 1.2 core schema decides scalar types.
 */
public final class ConfigLoader
{
    static final List<String> TOP_LEVEL = List.of("dataplane", "proxy", "services", "pools", "api", "vrrp", "sync");

    /**
     * Sections later releases will read. Refused rather than ignored: an operator who writes a vrrp section and gets
     * no failover, silently, is worse off than one told it is not there yet.
     */
    static final Map<String, String> RESERVED_TOP_LEVEL = reserved("health-checks", "health checks");

    private final Problems problems;
    private final YamlValues values;

    private ConfigLoader(final Path file)
    {
        this.problems = new Problems(file);
        this.values = new YamlValues(problems);
    }

    /**
     * @param file the file to read; messages name it as given
     * @throws ConfigException listing every problem, when the file cannot be read or is not a valid configuration
     */
    public static FulcrumConfig load(final Path file) throws ConfigException
    {
        return check(file).config();
    }

    /**
     * Loads as {@link #load} does and also returns the warnings: what a valid file probably did not mean (a pool
     * that no service uses). {@code fulcrum config check} prints them.
     *
     * @param file the file to read; messages name it as given
     * @throws ConfigException listing every problem, when the file cannot be read or is not a valid configuration
     */
    public static CheckedConfig check(final Path file) throws ConfigException
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
        return new ConfigLoader(file).read(text);
    }

    /**
     * Parses YAML text that came from somewhere other than a file (an API request, a test).
     *
     * @param file the name to give in problems
     */
    public static FulcrumConfig parse(final Path file, final String yaml) throws ConfigException
    {
        return new ConfigLoader(file).read(yaml).config();
    }

    private static ConfigException single(final Path file, final String message)
    {
        return new ConfigException(List.of(new ConfigProblem(file, 0, 0, "", message)));
    }

    private CheckedConfig read(final String yaml) throws ConfigException
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
        final DataplaneConfig dataplane = dataplaneNode == null ? DataplaneConfig.defaults()
            : new DataplaneReader(problems, values).read(dataplaneNode);
        final ProxyConfig proxy = new ProxyReader(values).read(top.optional("proxy"));
        final List<Parsed<PoolConfig>> pools = new PoolReader(problems, values).read(top.optional("pools"));
        final List<Parsed<ServiceConfig>> services = new ServiceReader(problems, values).read(top.optional("services"));
        new ServiceChecks(problems).check(services, pools);
        final Node apiNode = top.optional("api");
        final Optional<ApiConfig> api = apiNode == null ? Optional.empty()
            : Optional.ofNullable(new ApiReader(problems, values).read(apiNode));
        final Node vrrpNode = top.optional("vrrp");
        final List<VrrpInstanceConfig> vrrp = vrrpNode == null ? List.of()
            : new VrrpReader(problems, values).read(vrrpNode, Parsed.values(pools), Parsed.values(services));
        final Node syncNode = top.optional("sync");
        final Optional<SyncConfig> sync = syncNode == null ? Optional.empty()
            : Optional.ofNullable(new SyncReader(problems, values).read(syncNode));
        if (syncNode != null && vrrpNode == null)
        {
            problems.at(syncNode, "sync", "sync needs a vrrp section: the master sends and the backup receives, as "
                + "VRRP decides");
        }
        problems.throwIfAny();
        return new CheckedConfig(new FulcrumConfig(problems.file(), dataplane, Parsed.values(services),
            Parsed.values(pools), api, vrrp, sync, proxy), problems.warnings());
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
}
