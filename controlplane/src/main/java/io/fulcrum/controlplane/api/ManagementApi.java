package io.fulcrum.controlplane.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fulcrum.controlplane.daemon.AdminState;
import io.fulcrum.controlplane.daemon.ApplianceControl;
import io.fulcrum.controlplane.daemon.Views;
import io.fulcrum.controlplane.metrics.ApplianceMetrics;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The management API apart from HTTP transport: one request in, one response out. Authorization comes first and a
 * refused request reaches no {@link ApplianceControl} method. The status page ({@code GET /}) is the one exception:
 * it is static HTML holding no data (a browser cannot attach a bearer header when it navigates), and the page itself
 * sends the token with every API call it makes.
 */
final class ManagementApi
{
    static final String PREFIX = "/api/v1/";

    private final ApplianceControl control;
    private final BearerTokens tokens;
    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonViews json = new JsonViews(mapper);
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final byte[] statusPage;

    ManagementApi(final ApplianceControl control, final List<String> tokens)
    {
        this.control = control;
        this.tokens = new BearerTokens(tokens);
        registry.register(new ApplianceMetrics(control));
        statusPage = resource("status.html");
    }

    ApiResponse handle(final ApiRequest request)
    {
        final String path = request.path();
        if (path.equals("/") || path.equals("/index.html"))
        {
            final ApiResponse refused = get(request);
            return refused != null ? refused : new ApiResponse(200, "text/html; charset=utf-8",
                Map.of("Cache-Control", "no-store", "Content-Security-Policy",
                    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"), statusPage);
        }
        if (path.equals(PREFIX + "health") && "GET".equals(request.method()))
        {
            return health(tokens.accepts(request.authorization()));
        }
        if (!tokens.accepts(request.authorization()))
        {
            return unauthorized();
        }
        try
        {
            return route(request, path);
        }
        catch (final IllegalArgumentException e)
        {
            // ApplianceControl's documented refusal (a value out of range, or a backend removed by a reload since
            // this request looked it up).
            return error(400, "bad_request", String.valueOf(e.getMessage()));
        }
    }

    /** Whether answering {@code request} runs an external program ({@code fulcrum-upgrade --status}). */
    static boolean runsProgram(final ApiRequest request)
    {
        return "GET".equals(request.method()) && request.path().equals(PREFIX + "upgrade");
    }

    /** Null when the request is a GET, else the 405 answer for a read-only resource. */
    private ApiResponse get(final ApiRequest request)
    {
        return "GET".equals(request.method()) ? null : methodNotAllowed("GET");
    }

    private ApiResponse route(final ApiRequest request, final String path)
    {
        if (path.equals("/metrics"))
        {
            final ApiResponse refused = get(request);
            return refused != null ? refused : metrics(request.accept());
        }
        if (!path.startsWith(PREFIX))
        {
            return error(404, "not_found", "no such resource: " + path + " (the API is under " + PREFIX + ")");
        }
        final String[] segments = segments(path.substring(PREFIX.length()));
        final String method = request.method();
        switch (segments[0])
        {
            case "upgrade" ->
            {
                if (segments.length == 1)
                {
                    // POST (the upload) is answered by ManagementServer's UpgradeUpload before it gets here.
                    final ApiResponse refused = get(request);
                    return refused != null ? refused
                        : ok(json.upgradeStatus(control.status().version(), control.upgradeStatus()));
                }
            }
            case "health", "status", "services", "counters", "vrrp", "config" ->
            {
                if (segments.length == 1)
                {
                    final ApiResponse refused = get(request);
                    return refused != null ? refused : read(segments[0]);
                }
                if (segments[0].equals("config") && segments.length == 2
                    && (segments[1].equals("validate") || segments[1].equals("reload")))
                {
                    if (!"POST".equals(method))
                    {
                        return methodNotAllowed("POST");
                    }
                    return segments[1].equals("validate")
                        ? ok(json.reload(control.validate(new String(request.body(), StandardCharsets.UTF_8))))
                        : ok(json.reload(control.reload()));
                }
            }
            case "backends" ->
            {
                if (segments.length == 1)
                {
                    final ApiResponse refused = get(request);
                    return refused != null ? refused : ok(json.backends(control.backends()));
                }
                if (segments.length == 4)
                {
                    return backendAction(method, segments[1], segments[2], segments[3], request.body());
                }
            }
            default ->
            {
            }
        }
        return error(404, "not_found", "no such resource: " + path);
    }

    private ApiResponse read(final String resource)
    {
        return switch (resource)
        {
            case "health" -> health(true);
            case "status" -> ok(json.status(control.status()));
            case "services" -> ok(json.services(control.services()));
            case "counters" -> ok(json.counters(control.counters()));
            case "vrrp" -> ok(json.vrrp(control.status().vrrp()));
            case "config" -> ApiResponse.text(200, "application/yaml; charset=utf-8", control.configuration());
            default -> throw new IllegalStateException(resource);
        };
    }

    /**
     * 200 when healthy, 503 when not, so that a plain HTTP probe (a router's, a monitoring system's, the appliance's
     * own boot check) needs no body parsing. Without a token only the verdict is told: whoever can reach the port
     * learns no version and no details; with one, the version and what is wrong.
     */
    private ApiResponse health(final boolean authorized)
    {
        final Views.Health health = control.health();
        final int status = health.healthy() ? 200 : 503;
        return json(status, authorized ? json.health(health) : json.healthVerdict(health.healthy()));
    }

    boolean authorized(final String authorization)
    {
        return tokens.accepts(authorization);
    }

    ApplianceControl control()
    {
        return control;
    }

    /** The answer to a stored, checksum-verified upload: 202 once the installer runs, 409 if it would not start. */
    ApiResponse upgradeStarted(final Path file, final String sha256)
    {
        final Views.Upgrade upgrade = control.upgrade(file, sha256);
        return json(upgrade.started() ? 202 : 409, json.upgrade(upgrade));
    }

    private ApiResponse backendAction(final String method, final String pool, final String address,
        final String action, final byte[] body)
    {
        final AdminState state = switch (action)
        {
            case "enable" -> AdminState.ENABLED;
            case "drain" -> AdminState.DRAINING;
            case "disable" -> AdminState.DISABLED;
            default -> null;
        };
        if (state != null)
        {
            if (!"POST".equals(method))
            {
                return methodNotAllowed("POST");
            }
            if (!known(pool, address))
            {
                return noSuchBackend(pool, address);
            }
            control.setAdminState(pool, address, state);
            return ok(json.backends(control.backends().stream()
                .filter(b -> b.pool().equals(pool) && b.address().equals(address)).toList()).get(0));
        }
        if (action.equals("weight"))
        {
            if (!"PUT".equals(method))
            {
                return methodNotAllowed("PUT");
            }
            final int weight = weight(body);
            if (weight < 0)
            {
                return error(400, "bad_request", "the body must be {\"weight\": N} with N from 0 to 65535");
            }
            if (!known(pool, address))
            {
                return noSuchBackend(pool, address);
            }
            control.setWeight(pool, address, weight);
            return ok(json.backends(control.backends().stream()
                .filter(b -> b.pool().equals(pool) && b.address().equals(address)).toList()).get(0));
        }
        return error(404, "not_found", "no such backend action: " + action + " (enable, drain, disable, weight)");
    }

    /** Looked up before the control is asked to change anything, so a 404 names exactly what was missing. */
    private boolean known(final String pool, final String address)
    {
        return control.backends().stream().anyMatch(b -> b.pool().equals(pool) && b.address().equals(address));
    }

    private ApiResponse noSuchBackend(final String pool, final String address)
    {
        final boolean poolKnown = control.backends().stream().anyMatch(b -> b.pool().equals(pool));
        return error(404, "not_found", poolKnown
            ? "no such backend: pool '" + pool + "' has no backend " + address
            : "no such backend: there is no pool '" + pool + "'");
    }

    /** The weight in a {@code {"weight": N}} body, or -1 when the body is not that. */
    private int weight(final byte[] body)
    {
        try
        {
            final JsonNode node = mapper.readTree(body);
            final JsonNode weight = node == null ? null : node.get("weight");
            if (weight == null || !weight.isIntegralNumber() || !weight.canConvertToInt())
            {
                return -1;
            }
            final int value = weight.intValue();
            return value >= 0 && value <= 65535 ? value : -1;
        }
        catch (final IOException e)
        {
            return -1;
        }
    }

    private ApiResponse metrics(final String accept)
    {
        final ExpositionFormatWriter writer = formats.findWriter(accept);
        final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try
        {
            writer.write(out, registry.scrape());
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return new ApiResponse(200, writer.getContentType(), Map.of(), out.toByteArray());
    }

    private static String[] segments(final String rest)
    {
        final String[] raw = rest.split("/", -1);
        for (int i = 0; i < raw.length; i++)
        {
            // Path segments are percent-encoded (an IPv6 address may arrive as 2001%3Adb8%3A%3A1); '+' is literal.
            raw[i] = URLDecoder.decode(raw[i].replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        return raw;
    }

    private ApiResponse ok(final JsonNode node)
    {
        return json(200, node);
    }

    private ApiResponse json(final int status, final JsonNode node)
    {
        try
        {
            return new ApiResponse(status, ApiResponse.JSON, Map.of(), mapper.writeValueAsBytes(node));
        }
        catch (final JsonProcessingException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    ApiResponse unauthorized()
    {
        return error(401, "unauthorized", "a valid bearer token is required (Authorization: Bearer TOKEN)")
            .withHeader("WWW-Authenticate", "Bearer realm=\"fulcrum\"");
    }

    ApiResponse error(final int status, final String error, final String message)
    {
        return json(status, json.error(error, message));
    }

    private ApiResponse methodNotAllowed(final String allowed)
    {
        return error(405, "method_not_allowed", "this resource takes " + allowed).withHeader("Allow", allowed);
    }

    private static byte[] resource(final String name)
    {
        try (InputStream in = ManagementApi.class.getResourceAsStream(name))
        {
            if (in == null)
            {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
