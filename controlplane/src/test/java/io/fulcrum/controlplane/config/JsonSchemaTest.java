package io.fulcrum.controlplane.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import io.fulcrum.proxy.transport.TransportKind;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema in docs/ is what editors validate with: it must name exactly the fields the loader accepts, so that
 * neither refuses what the other allows.
 */
class JsonSchemaTest
{
    private static final JsonNode SCHEMA = read();

    private static JsonNode read()
    {
        try
        {
            return new ObjectMapper().readTree(Path.of("..", "docs", "fulcrum.schema.json").toFile());
        }
        catch (final java.io.IOException e)
        {
            throw new AssertionError("docs/fulcrum.schema.json does not parse: " + e.getMessage(), e);
        }
    }

    private static Set<String> fields(final JsonNode object)
    {
        final Set<String> names = new TreeSet<>();
        object.get("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode at(final String pointer)
    {
        final JsonNode node = SCHEMA.at(pointer);
        if (node.isMissingNode())
        {
            throw new AssertionError("schema has no " + pointer);
        }
        return node;
    }

    @Test
    void everySectionOfTheSchemaNamesExactlyTheFieldsTheLoaderAccepts()
    {
        assertEquals(new TreeSet<>(ConfigLoader.TOP_LEVEL), fields(SCHEMA));
        assertEquals(new TreeSet<>(DataplaneReader.DATAPLANE), fields(at("/properties/dataplane")));
        assertEquals(new TreeSet<>(DataplaneReader.CONNECTION_TABLE),
            fields(at("/properties/dataplane/properties/connection-table")));
        assertEquals(new TreeSet<>(DataplaneReader.ENCAPSULATION),
            fields(at("/properties/dataplane/properties/encapsulation")));
        assertEquals(new TreeSet<>(ServiceReader.SERVICE), fields(at("/properties/services/items")));
        assertEquals(new TreeSet<>(PoolReader.POOL), fields(at("/properties/pools/items")));
        assertEquals(new TreeSet<>(PoolReader.BACKEND),
            fields(at("/properties/pools/items/properties/backends/items")));
        assertEquals(new TreeSet<>(HealthCheckReader.FIELDS), fields(at("/$defs/healthCheckFields")));
        assertEquals(new TreeSet<>(ApiReader.API), fields(at("/properties/api")));
        assertEquals(new TreeSet<>(ApiReader.TLS), fields(at("/properties/api/properties/tls")));
        assertEquals(new TreeSet<>(VrrpReader.VRRP), fields(at("/properties/vrrp/items")));
        assertEquals(new TreeSet<>(SyncReader.SYNC), fields(at("/properties/sync")));
        assertEquals(new TreeSet<>(ProxyReader.PROXY), fields(at("/properties/proxy")));
        assertEquals(new TreeSet<>(ServiceReader.ROUTE), fields(at("/properties/services/items/properties/routes/items")));
    }

    @Test
    void theSchemasChoicesAreTheLoadersChoices()
    {
        assertEquals(names(PacketIo.values(), PacketIo::yamlName), enumOf("/properties/dataplane/properties/packet-io"));
        assertEquals(names(IdleMode.values(), IdleMode::yamlName), enumOf("/properties/dataplane/properties/idle"));
        assertEquals(names(TransportKind.values(), TransportKind::yamlName),
            enumOf("/properties/proxy/properties/transport"));
        assertEquals(names(ServiceMode.values(), ServiceMode::yamlName),
            enumOf("/properties/services/items/properties/mode"));
        assertEquals(names(SchedulerKind.values(), SchedulerKind::yamlName),
            enumOf("/properties/services/items/properties/scheduler"));
    }

    private static Set<String> enumOf(final String pointer)
    {
        final Set<String> values = new TreeSet<>();
        at(pointer + "/enum").forEach(value -> values.add(value.asText()));
        return values;
    }

    private static <E extends Enum<E>> Set<String> names(final E[] values, final Function<E, String> yamlName)
    {
        final Set<String> names = new TreeSet<>();
        for (final E value : values)
        {
            names.add(yamlName.apply(value));
        }
        return names;
    }
}
