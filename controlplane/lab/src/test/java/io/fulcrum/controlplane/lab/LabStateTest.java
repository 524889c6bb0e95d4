package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class LabStateTest
{
    @TempDir
    Path directory;

    @Test
    void whatOneProcessRecordsALaterProcessReads()
    {
        final Path file = directory.resolve("lab/state");
        final LabState written = LabState.create(file, "fl");
        written.recordNamespace("fl-client");
        written.recordNamespace("fl-be1");
        written.recordProcess("be1", 4242);

        final LabState read = LabState.load(file, "fl");

        assertTrue(read.exists());
        assertEquals(List.of("fl-client", "fl-be1"), read.namespaces());
        assertEquals(Map.of("be1", 4242L), read.processes());
    }

    @Test
    void aForgottenProcessIsGoneAfterReload()
    {
        final Path file = directory.resolve("state");
        final LabState state = LabState.create(file, "fl");
        state.recordProcess("be1", 1);
        state.recordProcess("be2", 2);
        state.forgetProcess("be1");
        assertEquals(Map.of("be2", 2L), LabState.load(file, "fl").processes());
    }

    @Test
    void noFileMeansAnEmptyStateAndNothingIsWrittenUntilSomethingIsRecorded()
    {
        final Path file = directory.resolve("state");
        LabState.create(file, "fl");
        final LabState state = LabState.load(file, "fl");
        assertFalse(state.exists());
        assertEquals(List.of(), state.namespaces());
    }

    @Test
    void deleteRemovesTheFile()
    {
        final Path file = directory.resolve("state");
        final LabState state = LabState.create(file, "fl");
        state.recordNamespace("fl-lan");
        state.delete();
        assertFalse(LabState.load(file, "fl").exists());
    }
}
