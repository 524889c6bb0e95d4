package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

final class LabCommandTest
{
    record Run(int exitCode, String out, String err)
    {
    }

    private static Run fulcrumWithLab(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exitCode = LabCommand.fulcrumWithLab()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void theLabJarsFulcrumOffersEveryCommandAndTheLab()
    {
        final Run run = fulcrumWithLab();

        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("missing command: choose one of replay, stat, config, run, ctl, image, upgrade, "
            + "lab, help"), run.err());
    }

    @Test
    void theLabJarsHelpSummarisesTheLabInAWholeSentence()
    {
        final Run run = fulcrumWithLab("--help");

        assertEquals(0, run.exitCode(), run.err());
        // picocli wraps the summary: compared with the wrapping's spaces collapsed
        assertTrue(run.out().replaceAll("\\s+", " ").contains(
            " lab A virtual network of namespaces on this machine that shows Fulcrum as it is deployed. "), run.out());
    }

    @Test
    void labHelpListsTheLabsSubcommands()
    {
        final Run run = fulcrumWithLab("lab", "--help");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("Usage: fulcrum lab "), run.out());
        for (final String subcommand : new String[] {"up", "status", "traffic", "kill", "revive", "down", "config",
            "chaos"})
        {
            assertTrue(run.out().lines().anyMatch(line -> line.strip().startsWith(subcommand + " ")), subcommand
                + " in " + run.out());
        }
    }
}
