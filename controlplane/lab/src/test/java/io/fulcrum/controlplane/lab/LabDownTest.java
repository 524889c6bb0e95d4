package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code lab down} removes everything the lab made: after a full up, after a half-way up, and without its state. */
final class LabDownTest
{
    private final List<Lab> labs = new ArrayList<>();

    @BeforeEach
    void requireLabTools()
    {
        LabRequirements.requireLabTools();
    }

    @AfterEach
    void removeEveryLab()
    {
        for (final Lab lab : labs)
        {
            lab.down();
        }
    }

    private Lab lab(final DecapHook decap)
    {
        final Lab lab = LabRequirements.testLab(decap);
        labs.add(lab);
        return lab;
    }

    @Test
    void downLeavesNoNamespaceNoProcessAndNoState()
    {
        final Lab lab = lab(DecapHook.XDP_IN_SERVER);
        lab.up();
        final Collection<Long> servers = List.copyOf(lab.liveProcesses().values());
        assertEquals(3, servers.size());

        lab.down();

        assertEquals(List.of(), lab.existingNamespaces());
        assertNoneAlive(servers);
        assertFalse(Files.exists(lab.stateFile()));
        assertFalse(lab.isUp());
    }

    @Test
    void downTwiceIsHarmless()
    {
        final Lab lab = lab(DecapHook.XDP_IN_SERVER);
        lab.up();
        lab.down();
        lab.down();
        assertEquals(List.of(), lab.existingNamespaces());
    }

    @Test
    void aFailureHalfWayThroughUpRemovesWhatItHadMade()
    {
        final List<String> madeBeforeFailure = new ArrayList<>();
        final List<Long> serversBeforeFailure = new ArrayList<>();
        final Lab[] holder = new Lab[1];
        final Lab lab = lab((backend, lanInterface) ->
        {
            // By now every namespace and link exists and the backends' servers have been started.
            madeBeforeFailure.addAll(holder[0].existingNamespaces());
            serversBeforeFailure.addAll(holder[0].liveProcesses().values());
            throw new LabException("simulated failure while installing decapsulation on " + backend.name());
        });
        holder[0] = lab;

        final LabException failure = assertThrows(LabException.class, lab::up);

        assertTrue(failure.getMessage().contains("simulated failure"), failure.getMessage());
        assertEquals(lab.topology().nodes().size(), madeBeforeFailure.size());
        assertEquals(3, serversBeforeFailure.size());
        assertEquals(List.of(), lab.existingNamespaces());
        assertNoneAlive(serversBeforeFailure);
        assertFalse(lab.isUp());
    }

    @Test
    void downRemovesALabWhoseStateFileIsLost()
    {
        final Lab lab = lab(DecapHook.XDP_IN_SERVER);
        lab.up();
        final Collection<Long> servers = List.copyOf(lab.liveProcesses().values());
        assertTrue(lab.stateFile().toFile().delete());

        lab.down();

        assertEquals(List.of(), lab.existingNamespaces());
        assertNoneAlive(servers);
    }

    @Test
    void upRefusesWhileALabWithTheSamePrefixIsUp()
    {
        final Lab lab = lab(DecapHook.XDP_IN_SERVER);
        lab.up();
        final LabException refusal = assertThrows(LabException.class, lab::up);
        assertTrue(refusal.getMessage().contains("already up"), refusal.getMessage());
        assertEquals(3, lab.liveProcesses().size());
    }

    private static void assertNoneAlive(final Collection<Long> pids)
    {
        for (final long pid : pids)
        {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " alive");
        }
    }
}
