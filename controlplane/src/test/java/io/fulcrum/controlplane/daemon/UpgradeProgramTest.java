package io.fulcrum.controlplane.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The image's installer as the API runs it, played by shell scripts. */
class UpgradeProgramTest
{
    @TempDir
    Path dir;

    private final EventLog log = new EventLog(new PrintWriter(new StringWriter()), EventLog.Format.HUMAN);

    private Path installer(final String body) throws IOException
    {
        final Path program = dir.resolve("fulcrum-upgrade");
        Files.writeString(program, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        return program;
    }

    @Test
    void theSlotsAreWhatTheInstallerPrints() throws IOException
    {
        final Path program = installer("[ \"$1\" = --status ] && echo 'SLOT  VERSION' && echo 'a     0.2.0'\n");

        assertEquals("SLOT  VERSION\na     0.2.0\n",
            new UpgradeProgram(program, dir.resolve("incoming"), Duration.ofSeconds(10), log).slots());
    }

    @Test
    @Timeout(60)
    void anInstallerThatHangsIsStoppedAndTheAnswerSaysSo() throws IOException
    {
        final Path program = installer("echo 'SLOT  VERSION'\nexec sleep 600\n");

        final String slots = new UpgradeProgram(program, dir.resolve("incoming"), Duration.ofSeconds(1), log).slots();

        assertEquals("SLOT  VERSION\n" + program + " --status did not finish within 1 s and was stopped\n", slots);
    }

    @Test
    void withoutAnInstallerThereIsNoUploadDirectoryAndTheSlotsSayWhy()
    {
        final Path absent = dir.resolve("fulcrum-upgrade");
        final UpgradeProgram upgrades = new UpgradeProgram(absent, dir.resolve("incoming"), Duration.ofSeconds(1), log);

        assertNull(upgrades.uploads());
        assertEquals("not an appliance image: " + absent + " is missing\n", upgrades.slots());
    }

    @Test
    void withAnInstallerUploadsGoToItsDirectory() throws IOException
    {
        final Path program = installer("exit 0\n");

        assertEquals(dir.resolve("incoming"),
            new UpgradeProgram(program, dir.resolve("incoming"), Duration.ofSeconds(1), log).uploads());
    }
}
