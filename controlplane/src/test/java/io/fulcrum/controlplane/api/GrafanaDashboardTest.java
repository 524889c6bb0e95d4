package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** docs/grafana/fulcrum-dashboard.json asks only for metrics and labels that /metrics really has. */
class GrafanaDashboardTest
{
    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "fulcrum-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bfulcrum_[a-z0-9_]+");
    private static final Pattern SELECTOR = Pattern.compile("(fulcrum_[a-z0-9_]+)\\{([^}]*)}");
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)\\s*=~?\\s*\"");

    private final ApiServerFixture api = new ApiServerFixture();

    @AfterEach
    void stop()
    {
        api.close();
    }

    private static void expressions(final JsonNode node, final Set<String> into)
    {
        if (node.isObject())
        {
            node.properties().forEach(field ->
            {
                if ((field.getKey().equals("expr") || field.getKey().equals("query") || field.getKey().equals("definition"))
                    && field.getValue().isTextual())
                {
                    into.add(field.getValue().asText());
                }
                expressions(field.getValue(), into);
            });
        }
        else if (node.isArray())
        {
            node.forEach(child -> expressions(child, into));
        }
    }

    @Test
    void everyQueryNamesMetricsAndLabelsThatTheServerExposes() throws IOException
    {
        final String scrape = api.get("/metrics").body();
        final Set<String> expressions = new TreeSet<>();
        expressions(new ObjectMapper().readTree(Files.readString(DASHBOARD)), expressions);
        assertTrue(expressions.size() > 15, expressions::toString);

        final Set<String> unknown = new TreeSet<>();
        for (final String expression : expressions)
        {
            final Matcher metric = METRIC.matcher(expression);
            while (metric.find())
            {
                if (!scrape.contains("\n" + metric.group() + " ") && !scrape.contains("\n" + metric.group() + "{"))
                {
                    unknown.add(metric.group());
                }
            }
            final Matcher selector = SELECTOR.matcher(expression);
            while (selector.find())
            {
                final Matcher label = LABEL.matcher(selector.group(2));
                while (label.find())
                {
                    // "instance" is the label Prometheus adds to every target, not one the appliance writes.
                    final boolean known = label.group(1).equals("instance")
                        || Pattern.compile("\n" + selector.group(1) + "\\{[^}]*\\b" + label.group(1) + "=\"")
                            .matcher(scrape).find();
                    if (!known)
                    {
                        unknown.add(selector.group(1) + " label " + label.group(1));
                    }
                }
            }
        }
        assertEquals(Set.of(), unknown);
    }
}
