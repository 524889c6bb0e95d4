package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

final class LabBackendServerTest
{
    @Test
    void everyRequestIsAnsweredWithTheBackendsName() throws Exception
    {
        try (LabBackendServer server = new LabBackendServer("be7", 0);
             HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build())
        {
            server.start();
            for (final String path : new String[] {"/", "/any/path?x=1"})
            {
                final HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals("be7\n", response.body());
            }
        }
    }
}
