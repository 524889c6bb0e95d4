package io.fulcrum.dataplane.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

final class CommandsTest
{
    @Test
    void aCommandThatHangsIsKilledAtItsLimitAndSaysSo()
    {
        final CommandResult result = Commands.run(Duration.ofMillis(200), List.of("sleep", "30"));
        assertTrue(result.timedOut());
        assertFalse(result.succeeded());
        assertTrue(result.failure().contains("no answer within its time limit"), result.failure());
    }

    @Test
    void aFailureNamesTheCommandItsExitCodeAndItsError()
    {
        final CommandFailedException failure = assertThrows(CommandFailedException.class,
            () -> Commands.check("sh", "-c", "echo broken >&2; exit 3"));
        assertTrue(failure.getMessage().contains("exited 3: broken"), failure.getMessage());
    }

    @Test
    void outputAndErrorAreKeptApart()
    {
        final CommandResult result = Commands.run(Commands.DEFAULT_LIMIT,
            List.of("sh", "-c", "echo out; echo err >&2"));
        assertEquals("out\n", result.stdout());
        assertEquals("err\n", result.stderr());
    }

    @Test
    void aMissingProgramIsReportedNotThrown()
    {
        final CommandResult result = Commands.run(Commands.DEFAULT_LIMIT, List.of("no-such-program-fulcrum"));
        assertEquals(127, result.exitCode());
    }

    @Test
    void inputReachesTheCommandsStandardInput()
    {
        final CommandResult result = Commands.run(Commands.DEFAULT_LIMIT, List.of("tr", "a-z", "A-Z"), "table fulcrum\n");
        assertEquals("TABLE FULCRUM\n", result.stdout());
    }
}
