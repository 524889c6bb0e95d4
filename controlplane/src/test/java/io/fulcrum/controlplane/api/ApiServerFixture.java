package io.fulcrum.controlplane.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A real ManagementServer on 127.0.0.1 and an ephemeral port over a {@link RecordingAppliance}, and a raw client. */
public final class ApiServerFixture implements AutoCloseable
{
    public static final String TOKEN = "f3a9c2e1-test-token";
    public static final String SECOND_TOKEN = "prometheus-scrape-token";

    public final RecordingAppliance appliance = new RecordingAppliance();
    public final ManagementServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = new ObjectMapper();

    public ApiServerFixture()
    {
        server = ManagementServer.start(
            ApiSettings.plain(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), List.of(TOKEN, SECOND_TOKEN)),
            appliance);
    }

    public String url()
    {
        return server.url();
    }

    /** Sends a request with {@code Authorization: Bearer TOKEN} (or the given header value; null for none). */
    public HttpResponse<String> send(final String method, final String path, final String body,
        final String authorization)
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null)
        {
            request.header("Authorization", authorization);
        }
        try
        {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> send(final String method, final String path, final String body)
    {
        return send(method, path, body, "Bearer " + TOKEN);
    }

    public HttpResponse<String> get(final String path)
    {
        return send("GET", path, null);
    }

    public JsonNode json(final HttpResponse<String> response)
    {
        try
        {
            return mapper.readTree(response.body());
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("not JSON: " + response.body(), e);
        }
    }

    @Override
    public void close()
    {
        server.close();
    }
}
