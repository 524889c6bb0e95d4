package io.fulcrum.controlplane.lab.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

final class SyncSectionTest
{
    private static final String WITH_BLOCK = "dataplane:\n  workers: 1\nsync:\n  interface: sync0\n  port: 7946\n"
        + "  key-file: /run/k\nservices:\n  - { name: web4 }\n";

    @Test
    void readsThePortOfABlockOrAnInlineSection()
    {
        assertEquals(OptionalInt.of(7946), SyncSection.port(WITH_BLOCK));
        assertEquals(OptionalInt.of(8000), SyncSection.port("sync: { peer: \"10.9.0.2:8000\" }\n"));
        assertEquals(OptionalInt.empty(), SyncSection.port("services:\n  - { port: 80 }\n"));
    }

    @Test
    void removingTheSectionKeepsEverythingElse()
    {
        final String without = SyncSection.remove(WITH_BLOCK);
        assertEquals("dataplane:\n  workers: 1\nservices:\n  - { name: web4 }\n", without);
        assertTrue(SyncSection.port(without).isEmpty());
    }
}
