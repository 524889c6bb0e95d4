package io.fulcrum.controlplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * Validates the configurations the docs show against docs/fulcrum.schema.json with a JSON Schema 2020-12 validator,
 * as an editor does, and loads each with the loader: a user who copies one gets neither an editor's red line nor a
 * refusal. {@link JsonSchemaTest} checks that both name the same fields; this checks the schema's types and choices
 * against real files.
 */
final class SchemaValidationTest
{
    private static final Path DOCS = Path.of("..", "docs");
    private static final Path EXAMPLE = DOCS.resolve("examples/fulcrum.yaml");
    private static final Path IMAGE_EXAMPLE = Path.of("..", "image/rootfs/usr/share/fulcrum/example.yaml");
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    private static final Schema SCHEMA = schema();

    private static Schema schema()
    {
        try
        {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.readString(DOCS.resolve("fulcrum.schema.json")), InputFormat.JSON);
        }
        catch (final IOException e)
        {
            throw new AssertionError("cannot read docs/fulcrum.schema.json: " + e.getMessage(), e);
        }
    }

    @Test
    void theExampleConfigurationsAreValidForTheSchemaAndTheLoader() throws Exception
    {
        for (final Path file : List.of(EXAMPLE, IMAGE_EXAMPLE))
        {
            // The image's copy is a template: first boot writes the appliance's LAN port in.
            final String yaml = Files.readString(file).replace("@INTERFACE@", "eth0");
            assertEquals(List.of(), messages(yaml), file.toString());
            ConfigLoader.parse(file, yaml); // throws with file, line and field when refused
        }
    }

    @Test
    void everyConfigurationFragmentInTheOperationsGuideIsValidInTheExample() throws Exception
    {
        final Path guide = DOCS.resolve("operations.md");
        final Map<String, Object> example = map(Files.readString(EXAMPLE));
        int checked = 0;
        final Matcher block = YAML_BLOCK.matcher(Files.readString(guide));
        while (block.find())
        {
            final String fragment = block.group(1);
            if (fragment.contains("..."))
            {
                continue; // an elision, illustration only
            }
            // The fragment's sections in place of the example's: a fragment alone lacks services and pools.
            final Map<String, Object> config = new LinkedHashMap<>(example);
            config.putAll(map(fragment));
            final String json = new ObjectMapper().writeValueAsString(config);
            assertEquals(List.of(), messages(json, InputFormat.JSON), "docs/operations.md:\n" + fragment);
            checked++;
        }
        assertTrue(checked >= 2, "the guide's configuration fragments were found: " + checked);
    }

    @Test
    void theSchemaRefusesAMisspelledFieldAWrongTypeAndAnUnknownChoice() throws Exception
    {
        final String yaml = Files.readString(EXAMPLE)
            .replaceFirst("(?m)^  packet-io: auto$", "  packet-io: af_carrier_pigeon")
            .replaceFirst("(?m)^  workers: ", "  wrokers: ");
        final List<String> messages = messages(yaml);

        assertFalse(messages.isEmpty(), yaml);
        assertTrue(messages.stream().anyMatch(m -> m.contains("wrokers")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.contains("packet-io")), messages.toString());
    }

    @Test
    void theSchemaRefusesAPortOutOfRange() throws Exception
    {
        final String yaml = Files.readString(EXAMPLE).replaceFirst("(?m)^(\\s+port:) \\d+", "$1 70000");
        assertTrue(messages(yaml).stream().anyMatch(m -> m.contains("port")), yaml);
    }

    private static List<String> messages(final String yaml) throws IOException
    {
        return messages(new ObjectMapper().writeValueAsString(map(yaml)), InputFormat.JSON);
    }

    private static List<String> messages(final String json, final InputFormat format)
    {
        final List<String> messages = new ArrayList<>();
        for (final Error error : SCHEMA.validate(json, format))
        {
            messages.add(error.getInstanceLocation() + ": " + error.getMessage());
        }
        return messages;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(final String yaml)
    {
        final Object document = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        assertTrue(document instanceof Map, "a YAML mapping: " + yaml);
        return (Map<String, Object>)document;
    }
}
