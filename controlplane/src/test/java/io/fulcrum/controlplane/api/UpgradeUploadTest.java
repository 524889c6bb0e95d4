package io.fulcrum.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.controlplane.daemon.EventLog;
import io.fulcrum.controlplane.daemon.UpgradeProgram;
import io.fulcrum.dataplane.sys.Commands;

/**
 * POST /api/v1/upgrade as an operator sends it: curl uploading a file of several MB (so with Expect: 100-continue)
 * and its checksum, through the real server, into a real directory.
 */
class UpgradeUploadTest
{
    private final ApiServerFixture api = new ApiServerFixture();
    private final ObjectMapper mapper = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void stop()
    {
        api.close();
    }

    private Path upgradeFile(final int bytes) throws IOException
    {
        final byte[] content = new byte[bytes];
        new Random(7).nextBytes(content);
        final Path file = dir.resolve("fulcrum-0.2.0.rootfs.zst");
        Files.write(file, content);
        return file;
    }

    private static String sha256(final Path file) throws Exception
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** curl's status line and body: {@code [status, body]}. */
    private String[] curl(final String... arguments) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("curl", "-sS", "-o", "-", "-w", "\n%{http_code}"));
        command.addAll(List.of(arguments));
        final Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
        final int split = out.lastIndexOf('\n');
        return new String[] {out.substring(split + 1), out.substring(0, split)};
    }

    private String[] upload(final Path file, final String sha, final String... more) throws Exception
    {
        final List<String> arguments = new ArrayList<>(List.of("-X", "POST", "--data-binary", "@" + file,
            "-H", "Authorization: Bearer " + ApiServerFixture.TOKEN, "-H", "X-Fulcrum-Sha256: " + sha));
        arguments.addAll(List.of(more));
        arguments.add(api.url() + "/api/v1/upgrade");
        return curl(arguments.toArray(String[]::new));
    }

    private List<Path> uploads() throws IOException
    {
        try (Stream<Path> files = Files.list(dir.resolve("incoming")))
        {
            return files.sorted().toList();
        }
    }

    @Test
    void anUploadWithItsChecksumIsStoredWithItsSignatureAndHandedToTheInstaller() throws Exception
    {
        api.appliance.upgradeUploads(dir.resolve("incoming"));
        final Path file = upgradeFile(6 * 1024 * 1024 + 123);
        final String sha = sha256(file);
        final byte[] signature = new byte[64];
        new Random(9).nextBytes(signature);

        final String[] reply = upload(file, sha.toUpperCase(), "-H",
            "X-Fulcrum-Signature: " + Base64.getEncoder().encodeToString(signature));

        assertEquals("202", reply[0], reply[1]);
        final JsonNode body = mapper.readTree(reply[1]);
        assertTrue(body.get("started").asBoolean());
        assertEquals(sha, body.get("sha256").asText());
        final Path stored = dir.resolve("incoming").resolve("upload-" + sha.substring(0, 16) + ".rootfs.zst");
        assertEquals(List.of(stored, Path.of(stored + ".sig")), uploads());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(stored));
        assertArrayEquals(signature, Files.readAllBytes(Path.of(stored + ".sig")));
        assertTrue(api.appliance.calls().contains("upgrade " + stored.getFileName() + " " + sha),
            api.appliance.calls()::toString);
    }

    @Test
    void aWrongChecksumInstallsNothingAndLeavesNothingBehind() throws Exception
    {
        api.appliance.upgradeUploads(dir.resolve("incoming"));
        final Path file = upgradeFile(2 * 1024 * 1024);
        final String wrong = sha256(file).replace('a', 'b').replace('0', '1');

        final String[] reply = upload(file, wrong);

        assertEquals("400", reply[0], reply[1]);
        assertEquals("checksum_mismatch", mapper.readTree(reply[1]).get("error").asText());
        assertEquals(List.of(), uploads());
        assertTrue(api.appliance.calls().stream().noneMatch(call -> call.startsWith("upgrade ")));
    }

    @Test
    void withoutATokenOrAChecksumTheBodyIsNotEvenRead() throws Exception
    {
        api.appliance.upgradeUploads(dir.resolve("incoming"));
        final Path file = upgradeFile(4 * 1024 * 1024);

        final String[] noToken = curl("-X", "POST", "--data-binary", "@" + file, "-H",
            "X-Fulcrum-Sha256: " + sha256(file), api.url() + "/api/v1/upgrade");
        final String[] noChecksum = curl("-X", "POST", "--data-binary", "@" + file, "-H",
            "Authorization: Bearer " + ApiServerFixture.TOKEN, api.url() + "/api/v1/upgrade");

        assertEquals("401", noToken[0], noToken[1]);
        assertEquals("400", noChecksum[0], noChecksum[1]);
        assertTrue(mapper.readTree(noChecksum[1]).get("message").asText().contains("X-Fulcrum-Sha256"));
        assertFalse(Files.exists(dir.resolve("incoming")) && !uploads().isEmpty());
        assertTrue(api.appliance.calls().stream().noneMatch(call -> call.startsWith("upgrade ")));
    }

    @Test
    void aMachineWithoutTheInstallerRefusesUploadsWith501() throws Exception
    {
        final Path file = upgradeFile(1024);

        final String[] reply = upload(file, sha256(file));

        assertEquals("501", reply[0], reply[1]);
        assertEquals("not_available", mapper.readTree(reply[1]).get("error").asText());
    }

    @Test
    void getShowsTheSlotsAsTheInstallerReportsThem() throws Exception
    {
        final JsonNode status = api.json(api.get("/api/v1/upgrade"));

        assertEquals(RecordingAppliance.VERSION, status.get("version").asText());
        assertEquals("SLOT  VERSION\na     " + RecordingAppliance.VERSION + "\n", status.get("slots").asText());
    }

    /** An installer whose {@code --status} prints its table only once {@link #release} is called. */
    private Path waitingInstaller() throws IOException
    {
        final Path release = dir.resolve("release");
        Commands.check("mkfifo", release.toString());
        final Path program = dir.resolve("fulcrum-upgrade");
        Files.writeString(program, "#!/bin/sh\nread go < " + release + "\necho 'SLOT  VERSION'\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        api.appliance.upgradeProgram(new UpgradeProgram(program, dir.resolve("incoming"), Duration.ofSeconds(60),
            new EventLog(new PrintWriter(new StringWriter()), EventLog.Format.HUMAN)));
        return release;
    }

    private static void release(final Path release)
    {
        Commands.run(Duration.ofSeconds(10), List.of("sh", "-c", "echo go > " + release));
    }

    private void awaitInstallerAsked() throws InterruptedException
    {
        while (!api.appliance.calls().contains("upgradeStatus"))
        {
            Thread.sleep(10);
        }
    }

    @Test
    @Timeout(120)
    void anInstallerThatTakesItsTimeHoldsUpNoOtherRequest() throws Exception
    {
        // The installer waits until this test has its status answer: an API that waited for the installer first
        // would never answer it.
        final Path release = waitingInstaller();
        final CompletableFuture<HttpResponse<String>> slots =
            CompletableFuture.supplyAsync(() -> api.get("/api/v1/upgrade"));
        awaitInstallerAsked();
        try
        {
            assertEquals(200, api.get("/api/v1/status").statusCode());
        }
        finally
        {
            release(release);
        }

        final HttpResponse<String> answer = slots.get();
        assertEquals(200, answer.statusCode());
        assertEquals("SLOT  VERSION\n", api.json(answer).get("slots").asText());
    }

    @Test
    @Timeout(120)
    void pipelinedRequestsAreAnsweredInTheOrderAskedWhenTheFirstWaitsForTheInstaller() throws Exception
    {
        final Path release = waitingInstaller();
        try (Socket socket = new Socket(api.server.address().getAddress(), api.server.address().getPort()))
        {
            final String auth = "Authorization: Bearer " + ApiServerFixture.TOKEN + "\r\n";
            socket.getOutputStream().write(("GET /api/v1/upgrade HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"
                + "GET /api/v1/vrrp HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            awaitInstallerAsked();
            release(release);

            final String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            final int slots = answers.indexOf("\"slots\":\"SLOT  VERSION\\n\"");
            final int vrrp = answers.indexOf("[{\"instance\":\"vi_1\"");
            assertTrue(slots > 0 && vrrp > slots, answers);
        }
    }

    @Test
    void otherRequestsOnTheSameConnectionStillWorkAfterAnUpload() throws Exception
    {
        api.appliance.upgradeUploads(dir.resolve("incoming"));
        final Path file = upgradeFile(1024 * 1024);

        assertEquals("202", upload(file, sha256(file))[0]);
        assertEquals(200, api.get("/api/v1/status").statusCode());
    }
}
