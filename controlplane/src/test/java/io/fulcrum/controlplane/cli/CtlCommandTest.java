package io.fulcrum.controlplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import io.fulcrum.controlplane.api.ApiServerFixture;
import io.fulcrum.controlplane.api.RecordingAppliance;
import io.fulcrum.controlplane.daemon.Views;

/** {@code fulcrum ctl} end to end: the real command line against a real management server. */
class CtlCommandTest
{
    private final ApiServerFixture api = new ApiServerFixture();

    @TempDir
    Path directory;

    record Run(int exitCode, String out, String err)
    {
    }

    @AfterEach
    void stop()
    {
        api.close();
    }

    private Run ctl(final String... args)
    {
        final String[] full = new String[args.length + 5];
        full[0] = "ctl";
        full[1] = "--url";
        full[2] = api.url();
        full[3] = "--token";
        full[4] = ApiServerFixture.TOKEN;
        System.arraycopy(args, 0, full, 5, args.length);
        return fulcrum(full);
    }

    private static Run fulcrum(final String... args)
    {
        return run(FulcrumCommand.commandLine(), args);
    }

    private static Run run(final CommandLine commandLine, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exitCode = commandLine.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
            .execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void statusPrintsTheApplianceItsVrrpStateAndATableOfServices()
    {
        final Run run = ctl("status");

        assertEquals(new Run(0, """
            fulcrum 0.1.0-test, up 1h 2m 5s, af_xdp, 2 workers, configuration /etc/fulcrum/fulcrum.yaml

            VRRP INSTANCE  VRID  STATE   PRIORITY
            vi_1           51    MASTER  150

            SERVICE  ENDPOINT               MODE      SCHEDULER            POOL  BACKENDS ACTIVE  PACKETS  BYTES   NEW FLOWS  PROXIED
            web      192.0.2.10:80/tcp      dsr ipip  maglev               web   1 of 3           2000     200000  200        -
            dns      [2001:db8::10]:53/udp  dsr ipip  maglev               dns   1 of 1           50       5000    5          -
            site     192.0.2.11:80/tcp      http      least-response-time  web   1 of 3           0        0       0          200 requests
            relay    192.0.2.12:5432/tcp    tcp       least-connections    web   1 of 3           0        0       0          200 connections
            """, ""), run);
    }

    @Test
    void backendsPrintsATableWithHealthAdminStateAndTheLastCheck()
    {
        final Run run = ctl("backends");

        assertEquals(new Run(0, """
            POOL  BACKEND       WEIGHT  HEALTH     ADMIN     EFFECTIVE  PACKETS  NEW FLOWS  PROXIED    LATENCY  LAST CHECK
            web   10.0.0.1      100     up         enabled   active     1000     100        6          1.0 ms   ok 3 ms: HTTP 200
            web   10.0.0.2      100     down       enabled   down       400      40         1 ejected  0.4 ms   failed 2000 ms: connect timed out
            web   10.0.0.3      100     up         draining  draining   600      60         5          0.6 ms   ok 4 ms: HTTP 200
            dns   2001:db8::53  100     unchecked  enabled   active     50       5          1          0.1 ms   -
            """, ""), run);
    }

    @Test
    void jsonPrintsTheApisAnswerAsItIs() throws IOException
    {
        final Run run = ctl("--json", "backends");

        assertEquals(0, run.exitCode());
        final ObjectMapper mapper = new ObjectMapper();
        assertEquals(mapper.readTree(api.get("/api/v1/backends").body()), mapper.readTree(run.out()));
    }

    @Test
    void optionsMayAlsoFollowTheCommand()
    {
        final Run run = fulcrum("ctl", "status", "--json", "--url", api.url(), "--token", ApiServerFixture.TOKEN);

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("{\"version\":\"0.1.0-test\""), run.out());
    }

    @ParameterizedTest
    @CsvSource({"drain, DRAINING, 'web 10.0.0.1: admin draining, weight 100, health up, effective draining'",
        "disable, DISABLED, 'web 10.0.0.1: admin disabled, weight 100, health up, effective down'",
        "enable, ENABLED, 'web 10.0.0.1: admin enabled, weight 100, health up, effective active'"})
    void anAdminCommandChangesTheBackendAndSaysWhatItIsNow(final String command, final String state,
        final String line)
    {
        final Run run = ctl(command, "web", "10.0.0.1");

        assertEquals(new Run(0, line + "\n", ""), run);
        assertTrue(api.appliance.calls().contains("setAdminState web 10.0.0.1 " + state));
    }

    @Test
    void drainOfAnIpv6BackendWorks()
    {
        final Run run = ctl("drain", "dns", "2001:db8::53");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(api.appliance.calls().contains("setAdminState dns 2001:db8::53 DRAINING"));
    }

    @Test
    void weightSetsTheWeight()
    {
        final Run run = ctl("weight", "web", "10.0.0.2", "7");

        assertEquals(new Run(0, "web 10.0.0.2: admin enabled, weight 7, health down, effective down\n", ""), run);
        assertTrue(api.appliance.calls().contains("setWeight web 10.0.0.2 7"));
    }

    @Test
    void anUnknownBackendIsRefusedWithTheDaemonsMessageAndExits1()
    {
        final Run run = ctl("drain", "web", "10.9.9.9");

        assertEquals(new Run(1, "", "fulcrum ctl drain: no such backend: pool 'web' has no backend 10.9.9.9 (HTTP 404)\n"),
            run);
    }

    @Test
    void aWeightOutOfRangeIsRefusedAndExits1()
    {
        final Run run = ctl("weight", "web", "10.0.0.1", "70000");

        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("from 0 to 65535"), run.err());
        assertTrue(api.appliance.calls().stream().noneMatch(call -> call.startsWith("setWeight")));
    }

    @Test
    void aWeightThatIsNotANumberIsAUsageError()
    {
        assertEquals(2, ctl("weight", "web", "10.0.0.1", "heavy").exitCode());
    }

    @Test
    void reloadSaysWhatWasLoaded()
    {
        assertEquals(new Run(0, "OK (2 services, 4 backends)\n", ""), ctl("reload"));
    }

    @Test
    void reloadOfABadFilePrintsEveryProblemAndExits1()
    {
        api.appliance.nextReload(new Views.ReloadResult(false,
            List.of(RecordingAppliance.PROBLEM, "fulcrum.yaml:9:3: pools.web: no backends"), "2 problems; nothing changed"));

        final Run run = ctl("reload");

        assertEquals(new Run(1, "", RecordingAppliance.PROBLEM + "\nfulcrum.yaml:9:3: pools.web: no backends\n"
            + "2 problems; nothing changed\n"), run);
    }

    @Test
    void reloadOfABadFileWithJsonPrintsTheResultAndStillExits1()
    {
        api.appliance.nextReload(new Views.ReloadResult(false, List.of("x"), "1 problem"));

        final Run run = ctl("--json", "reload");

        assertEquals(new Run(1, "{\"ok\":false,\"problems\":[\"x\"],\"summary\":\"1 problem\"}\n", ""), run);
    }

    @Test
    void validateSendsTheFileAndReportsItsProblems() throws IOException
    {
        final Path good = Files.writeString(directory.resolve("good.yaml"), "services: []\n");
        final Path bad = Files.writeString(directory.resolve("bad.yaml"), "services:\n  - port: 70000\n");

        assertEquals(new Run(0, "OK (2 services, 4 backends)\n", ""), ctl("validate", good.toString()));
        assertEquals(new Run(1, "", RecordingAppliance.PROBLEM + "\n1 problem; nothing changed\n"),
            ctl("validate", bad.toString()));
    }

    @Test
    void validateOfAMissingFileExits1WithoutAskingTheDaemon()
    {
        final Path absent = directory.resolve("absent.yaml");

        final Run run = ctl("validate", absent.toString());

        assertEquals(new Run(1, "", "fulcrum ctl validate: " + absent + ": cannot read the file: it does not exist\n"),
            run);
        assertEquals(List.of(), api.appliance.calls());
    }

    @Test
    void aRefusedTokenExits5AndChangesNothing()
    {
        final Run run = fulcrum("ctl", "--url", api.url(), "--token", "wrong", "drain", "web", "10.0.0.1");

        assertEquals(5, run.exitCode());
        assertTrue(run.err().startsWith("fulcrum ctl drain: unauthorized: the daemon refused the token"), run.err());
        assertEquals(List.of(), api.appliance.calls());
    }

    @Test
    void aDaemonThatDoesNotAnswerExits4() throws IOException
    {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            closedPort = socket.getLocalPort();
        }

        final Run run = fulcrum("ctl", "--url", "http://127.0.0.1:" + closedPort, "--token", "t", "status");

        assertEquals(4, run.exitCode());
        assertTrue(run.err().startsWith("fulcrum ctl status: cannot reach the daemon at http://127.0.0.1:" + closedPort),
            run.err());
    }

    @Test
    void theTokenComesFromTheEnvironmentWhenNotGiven()
    {
        final CtlCommand ctl = new CtlCommand(Map.of("FULCRUM_TOKEN", ApiServerFixture.TOKEN),
            directory.resolve("absent"));

        assertEquals(0, run(new CommandLine(ctl), "--url", api.url(), "reload").exitCode());
    }

    @Test
    void theTokenComesFromTheDefaultFileWhenNeitherGivenNorInTheEnvironment() throws IOException
    {
        final Path file = Files.writeString(directory.resolve("token"), "# API token\n" + ApiServerFixture.TOKEN + "\n");

        assertEquals(0, run(new CommandLine(new CtlCommand(Map.of(), file)), "--url", api.url(), "reload").exitCode());
    }

    @Test
    void aTokenFileMayBeNamed() throws IOException
    {
        final Path file = Files.writeString(directory.resolve("token"), ApiServerFixture.SECOND_TOKEN + "\n");

        final Run run = fulcrum("ctl", "--url", api.url(), "--token-file", file.toString(), "reload");

        assertEquals(0, run.exitCode(), run.err());
    }

    @Test
    void withoutAnyTokenTheCommandSaysWhereToPutOneAndExits2()
    {
        final Path absent = directory.resolve("absent");

        final Run run = run(new CommandLine(new CtlCommand(Map.of(), absent)), "--url", api.url(), "status");

        assertEquals(new Run(2, "", "fulcrum ctl status: no token: give --token or --token-file, set FULCRUM_TOKEN, "
            + "or write it to " + absent + "\n"), run);
    }

    @Test
    void tokenAndTokenFileTogetherAreAUsageError()
    {
        final Run run = fulcrum("ctl", "--url", api.url(), "--token", "a", "--token-file", "b", "status");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("mutually exclusive"), run.err());
    }

    @Test
    void ctlWithoutACommandIsAUsageError()
    {
        final Run run = fulcrum("ctl");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("missing command: choose one of status, backends, drain, enable, disable, "
            + "weight, reload, validate"), run.err());
    }

    @Test
    void helpListsTheExitCodesForAnUnreachableDaemonAndARefusedToken()
    {
        final Run run = fulcrum("ctl", "--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("""
              4   cannot reach the daemon (fulcrum ctl)
              5   unauthorized: the daemon refused the token (fulcrum ctl)
            """), run.out());
    }
}
