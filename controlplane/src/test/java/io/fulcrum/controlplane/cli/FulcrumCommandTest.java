package io.fulcrum.controlplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.CountersRegistry;
import io.fulcrum.dataplane.stats.DropReason;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.Command;
import picocli.CommandLine;

class FulcrumCommandTest
{
    private static final Path EXAMPLE = Path.of("..", "docs", "examples", "fulcrum.yaml");

    @TempDir
    Path directory;

    record Run(int exitCode, String out, String err)
    {
    }

    private static Run fulcrum(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exitCode = FulcrumCommand.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void statPrintsTheStallCountersAndEachDistinctAgentErrorWithItsCount()
    {
        final Path file = directory.resolve("counters");
        final CountersFile counters = CountersFile.create(file, 64);
        final CountersRegistry registry = new CountersRegistry(counters);
        registry.newWorker().stalledCycles().setRelease(2);
        final DistinctErrorLog errors = counters.errorLog(System::currentTimeMillis);
        final IllegalStateException failure = new IllegalStateException("tx ring stuck");
        errors.record(failure);
        errors.record(failure);

        final Run run = fulcrum("stat", "--file", file.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().lines().anyMatch(line -> line.matches("duty cycles over 1 ms +2")), run.out());
        assertTrue(run.out().contains("agent errors, 1 distinct:\n  2 time(s)"), run.out());
        assertTrue(run.out().contains("java.lang.IllegalStateException: tx ring stuck"), run.out());
    }

    @Test
    void statWithAllPrintsEveryDropReasonThePortsToo()
    {
        final Path file = directory.resolve("counters");
        final CountersFile counters = CountersFile.create(file, 64);
        new CountersRegistry(counters).newWorker().drop(DropReason.MEANT_FOR_HOST).setRelease(3);

        final Run run = fulcrum("stat", "--all", "--file", file.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().lines().anyMatch(line -> line.matches("dropped: meant for host +3")), run.out());
        for (int reason = 0; reason < DropReason.COUNT; reason++)
        {
            final String label = "dropped: " + DropReason.name(reason);
            assertTrue(run.out().lines().anyMatch(line -> line.startsWith(label + " ")), label + " in " + run.out());
        }
    }

    @Test
    void configCheckOfAValidFileSaysOkWithWhatItHolds()
    {
        final Run run = fulcrum("config", "check", EXAMPLE.toString());

        assertEquals(new Run(0, EXAMPLE + ": OK (2 services, 5 backends)\n", ""), run);
    }

    @Test
    void configCheckOfABrokenFilePrintsEveryProblemOnStderrAndExits1() throws IOException
    {
        final Path file = directory.resolve("broken.yaml");
        Files.writeString(file, """
            services:
              - { name: web, vip: 192.0.2.10, port: 80, pool: web }
            pools:
              - { name: p, backends: [{ address: 10.0.0.1, weight: 100000 }] }
            """);

        final Run run = fulcrum("config", "check", file.toString());

        assertEquals(1, run.exitCode());
        assertEquals("", run.out());
        assertEquals(List.of(
            file + ":2:51: services[0].pool: no pool named 'web' (pools: p)",
            file + ":4:56: pools[0].backends[0].weight: expected an integer from 0 to 65535, found 100000"),
            run.err().lines().toList());
    }

    @Test
    void configCheckWarnsOfAPoolNoServiceUsesAndStillExits0() throws IOException
    {
        final Path file = directory.resolve("fulcrum.yaml");
        Files.writeString(file, """
            services:
              - { name: web, vip: 192.0.2.10, port: 80, pool: web }
            pools:
              - { name: web, backends: [{ address: 10.0.0.1 }] }
              - { name: spare, backends: [{ address: 10.0.0.2 }, { address: 10.0.0.3 }] }
            """);

        final Run run = fulcrum("config", "check", file.toString());

        assertEquals(new Run(0, file + ": OK (1 service, 3 backends)\n",
            file + ":5:5: warning: pool 'spare' is used by no service\n"), run);
    }

    @Test
    void configCheckPrintsNoWarningWhenEveryPoolIsUsed() throws IOException
    {
        final Path file = directory.resolve("fulcrum.yaml");
        Files.writeString(file, """
            services:
              - { name: web, vip: 192.0.2.10, port: 80, pool: web }
              - { name: web-tls, vip: 192.0.2.10, port: 443, pool: web }
              - { name: dns, vip: 192.0.2.53, port: 53, protocol: udp, pool: dns }
            pools:
              - { name: web, backends: [{ address: 10.0.0.1 }] }
              - { name: dns, backends: [{ address: 10.0.0.2 }] }
            """);

        final Run run = fulcrum("config", "check", file.toString());

        assertEquals(new Run(0, file + ": OK (3 services, 2 backends)\n", ""), run);
    }

    @Test
    void configCheckOfSeveralFilesChecksEachAndFailsIfOneFails()
    {
        final Path absent = directory.resolve("absent.yaml");

        final Run run = fulcrum("config", "check", absent.toString(), EXAMPLE.toString());

        assertEquals(new Run(1, EXAMPLE + ": OK (2 services, 5 backends)\n",
            absent + ": cannot read the file: it does not exist\n"), run);
    }

    @Test
    void configCheckWithoutAFileIsAUsageError()
    {
        final Run run = fulcrum("config", "check");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("Missing required parameter: 'FILE'"), run.err());
    }

    @Test
    void upgradeOffAnApplianceSaysWhereUpgradesRunAndExits3()
    {
        final Run run = fulcrum("upgrade", "/tmp/fulcrum-9.rootfs.zst");

        assertEquals(new Run(3, "", "fulcrum upgrade: this is not a Fulcrum appliance (/usr/sbin/fulcrum-upgrade is "
            + "missing): upgrades run on a machine flashed with the image (see docs/operations.md)\n"), run);
    }

    @Test
    void labInTheAppliancesJarSaysItIsADevelopmentToolOfTheCheckoutAndExits3()
    {
        final Run run = fulcrum("lab", "up", "--packet-io", "af_xdp");

        assertEquals(3, run.exitCode(), run.err());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("fulcrum lab: the lab is a development tool of the source checkout"), run.err());
        assertTrue(run.err().contains("run ./fulcrum lab in a clone of Fulcrum"), run.err());
        assertFalse(fulcrum("--help").out().lines().anyMatch(line -> line.startsWith("  lab ")),
            "an appliance's help offers no lab");
    }

    @Test
    void theAppliancesJarHoldsNoLabClasses()
    {
        // The shaded fulcrum.jar is this module's class path: the lab and the chaos suite are a module of their own.
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.fulcrum.controlplane.lab.Lab"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.fulcrum.controlplane.lab.chaos.ChaosSuite"));
    }

    @Test
    void upgradeHelpShowsTheFileTheStatusOptionAndTheOptionsItPassesOn()
    {
        final Run run = fulcrum("upgrade", "--help");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("(FILE | --status)"), run.out());
        for (final String option : List.of("--sha256=HEX", "--tries=N", "--no-reboot", "--force"))
        {
            assertTrue(run.out().lines().anyMatch(line -> line.strip().startsWith(option)), option + "\n" + run.out());
        }
    }

    @Test
    void upgradeWithoutAFileOrStatusIsAUsageError()
    {
        final Run run = fulcrum("upgrade");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("(FILE | --status)"), run.err());
    }

    @Test
    void upgradePassesItsOptionsAndTheFileOnToTheAppliancesProgram()
    {
        final UpgradeCommand upgrade = new UpgradeCommand();
        new CommandLine(upgrade).parseArgs("--tries", "1", "--force", "--sha256", "ab12", "/mnt/f.rootfs.zst");

        assertEquals(List.of("--sha256", "ab12", "--tries", "1", "--force", "/mnt/f.rootfs.zst"), upgrade.arguments());
    }

    @Test
    void upgradeStatusAsksTheAppliancesProgramForTheSlots()
    {
        final UpgradeCommand upgrade = new UpgradeCommand();
        new CommandLine(upgrade).parseArgs("--status");

        assertEquals(List.of("--status"), upgrade.arguments());
    }

    @Test
    void imageWithAnUnknownActionIsAUsageError()
    {
        final Run run = fulcrum("image", "flash");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("unknown action 'flash' (expected: build)"), run.err());
    }

    @Test
    void aCommandThatLetsAConfigExceptionOutPrintsItsProblemsAndExits1()
    {
        final Path file = directory.resolve("absent.yaml");
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = FulcrumCommand.commandLine()
            .addSubcommand("load", new LoadsAConfig(file))
            .setErr(new PrintWriter(err, true));

        final int exitCode = commandLine.execute("load");

        assertEquals(1, exitCode);
        assertEquals(file + ": cannot read the file: it does not exist\n", err.toString());
    }

    @Command(name = "load")
    private record LoadsAConfig(Path file) implements Callable<Integer>
    {
        @Override
        public Integer call() throws ConfigException
        {
            ConfigLoader.load(file);
            return 0;
        }
    }

    @Test
    void noCommandIsAUsageError()
    {
        final Run run = fulcrum();

        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("missing command: choose one of replay, stat, config, run, ctl, image, upgrade, help"), run.err());
    }

    @Test
    void anUnknownCommandIsAUsageError()
    {
        assertEquals(2, fulcrum("frobnicate").exitCode());
        assertEquals(2, fulcrum("config", "lint", "x.yaml").exitCode());
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes()
    {
        final Run run = fulcrum("--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("config"), run.out());
        assertTrue(run.out().contains("""
            Exit codes:
              0   ok
              1   invalid input or configuration
              2   usage error (unknown command or option, missing argument)
              3   not available here (upgrade off an appliance, lab on one)
            """), run.out());
    }

    @Test
    void helpListsEachCommandWithItsWholeFirstSentence()
    {
        final Run run = fulcrum("--help");

        final Map<String, String> commands = commandList(run.out());
        assertTrue(commands.containsKey("config") && commands.containsKey("upgrade"), run.out());
        commands.forEach((name, summary) -> assertTrue(summary.endsWith("."), name + ": " + summary));
    }

    /** The "Commands:" section of a help text: each command's name and its summary, wrapped lines joined. */
    private static Map<String, String> commandList(final String help)
    {
        final Map<String, String> commands = new LinkedHashMap<>();
        String name = null;
        boolean inList = false;
        for (final String line : help.lines().toList())
        {
            if (line.equals("Commands:"))
            {
                inList = true;
            }
            else if (inList && line.isBlank())
            {
                break;
            }
            else if (inList && line.startsWith("  ") && !line.startsWith("   "))
            {
                final String[] parts = line.strip().split(" +", 2);
                name = parts[0];
                commands.put(name, parts[1]);
            }
            else if (inList && name != null)
            {
                commands.merge(name, line.strip(), (summary, more) -> summary + " " + more);
            }
        }
        return commands;
    }

    @Test
    void versionNamesFulcrumAndTheJavaRuntime()
    {
        final Run run = fulcrum("--version");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("fulcrum "), run.out());
        assertTrue(run.out().contains("Java " + Runtime.version()), run.out());
    }
}
