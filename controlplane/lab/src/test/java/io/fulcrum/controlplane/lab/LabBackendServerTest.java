package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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

    @Test
    void getDelaySetsTheDelayOfEveryLaterAnswerAndRefusesWhatIsNotAFewMilliseconds() throws Exception
    {
        try (LabBackendServer server = new LabBackendServer("be7", 0, -1, 20);
             HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build())
        {
            server.start();
            assertEquals(20, server.delayMillis(), "--delay at start");
            assertEquals("be7 delay 5 ms\n", get(client, server, "/delay?ms=5", 200));
            assertEquals(5, server.delayMillis());
            assertEquals("be7\n", get(client, server, "/", 200), "a delayed answer is still the name");
            assertTrue(get(client, server, "/delay?ms=-1", 400).startsWith("expected /delay?ms=N with N from 0"));
            assertEquals(400, status(client, server, "/delay?ms=lots"));
            assertEquals(400, status(client, server, "/delay"));
            assertEquals(5, server.delayMillis(), "a refused delay changes nothing");
            assertEquals("be7 delay 0 ms\n", get(client, server, "/delay?ms=0", 200));
        }
    }

    private static String get(final HttpClient client, final LabBackendServer server, final String path,
        final int status) throws Exception
    {
        final HttpResponse<String> response = client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), response.body());
        return response.body();
    }

    private static int status(final HttpClient client, final LabBackendServer server, final String path)
        throws Exception
    {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void theCommandLineTheLabStartsNamesTheServerItsPortItsDelayItsDecapInterfaceAndItsAddresses() throws Exception
    {
        final LabBackendCommand command = new LabBackendCommand();
        new CommandLine(command).parseArgs("--lab", "fl", "--name", "be1", "--port", "8080", "--delay", "50",
            "--xdp-decap", "eth0", "--local", "10.200.0.11", "--local", "fd00:200::11");

        assertEquals("be1", command.name);
        assertEquals(8080, command.port);
        assertEquals(50, command.delayMillis);
        assertEquals("eth0", command.decapInterface);
        assertEquals(List.of(InetAddress.getByName("10.200.0.11"), InetAddress.getByName("fd00:200::11")),
            command.locals);
    }

    @Test
    void withoutOptionsButItsNameTheServerListensOnTheLabsHttpPortWithoutXdp()
    {
        final LabBackendCommand command = new LabBackendCommand();
        new CommandLine(command).parseArgs("--name", "be2");

        assertEquals(LabTopology.HTTP_PORT, command.port);
        assertEquals(0, command.delayMillis, "answers at once");
        assertNull(command.decapInterface);
        assertEquals(List.of(), command.locals);
    }

    @Test
    void aServerWithoutANameIsAUsageError()
    {
        final StringWriter err = new StringWriter();
        final int exitCode = new CommandLine(new LabBackendCommand()).setErr(new PrintWriter(err, true))
            .execute("--lab", "fl", "--port", "80");

        assertEquals(2, exitCode);
        assertTrue(err.toString().contains("Missing required option: '--name=<name>'"), err.toString());
    }
}
