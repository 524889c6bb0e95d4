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
    void theCommandLineTheLabStartsNamesTheServerItsPortItsDecapInterfaceAndItsAddresses() throws Exception
    {
        final LabBackendCommand command = new LabBackendCommand();
        new CommandLine(command).parseArgs("--lab", "fl", "--name", "be1", "--port", "8080", "--xdp-decap", "eth0",
            "--local", "10.200.0.11", "--local", "fd00:200::11");

        assertEquals("be1", command.name);
        assertEquals(8080, command.port);
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
