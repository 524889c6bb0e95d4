package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.controlplane.cli.FulcrumCommand;

/** HTTPS with a PEM certificate and key, as an appliance would configure them; openssl makes a self-signed pair. */
class ManagementServerTlsTest
{
    @TempDir
    Path directory;

    private Path certificate;
    private Path key;

    @BeforeEach
    void selfSignedCertificate() throws IOException, InterruptedException
    {
        final Path openssl = SystemRequirements.requireProgram("openssl", "makes a test certificate");
        certificate = directory.resolve("api.crt");
        key = directory.resolve("api.key");
        final Process process = new ProcessBuilder(openssl.toString(), "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", certificate.toString())
            .redirectErrorStream(true).redirectOutput(directory.resolve("openssl.log").toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("openssl did not finish in 60 s");
        }
        assertEquals(0, process.exitValue(), Files.readString(directory.resolve("openssl.log")));
    }

    private ManagementServer start()
    {
        return ManagementServer.start(new ApiSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            List.of(ApiServerFixture.TOKEN), certificate, key), new RecordingAppliance());
    }

    @Test
    void aClientThatTrustsTheCertificateIsAnsweredOverHttps() throws IOException
    {
        try (ManagementServer server = start())
        {
            assertTrue(server.url().startsWith("https://127.0.0.1:"), server.url());
            final ApiClient client = new ApiClient(URI.create(server.url()), ApiServerFixture.TOKEN,
                Duration.ofSeconds(10), ApiClient.trusting(certificate));

            final ApiClient.Response response = client.get("/api/v1/health");

            assertEquals(new ApiClient.Response(200, "{\"status\":\"healthy\",\"version\":\"0.1.0-test\",\"problems\":[]}"), response);
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateCannotConnect()
    {
        try (ManagementServer server = start())
        {
            final ApiClient client = new ApiClient(URI.create(server.url()), ApiServerFixture.TOKEN,
                Duration.ofSeconds(10));

            assertThrows(IOException.class, () -> client.get("/api/v1/health"));
        }
    }

    @Test
    void ctlTalksHttpsWithTheCertificateNamedByCacert()
    {
        try (ManagementServer server = start())
        {
            final StringWriter out = new StringWriter();
            final int exitCode = FulcrumCommand.commandLine().setOut(new PrintWriter(out, true))
                .execute("ctl", "--url", server.url(), "--token", ApiServerFixture.TOKEN, "--cacert",
                    certificate.toString(), "reload");

            assertEquals(0, exitCode);
            assertEquals("OK (2 services, 4 backends)\n", out.toString());
        }
    }

    @Test
    void aMissingKeyIsRefusedAtStart()
    {
        final ApiSettings settings = new ApiSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            List.of(ApiServerFixture.TOKEN), certificate, directory.resolve("absent.key"));

        final IllegalStateException refused =
            assertThrows(IllegalStateException.class, () -> ManagementServer.start(settings, new RecordingAppliance()));

        assertTrue(refused.getMessage().startsWith("management API: cannot use certificate"), refused.getMessage());
    }
}
