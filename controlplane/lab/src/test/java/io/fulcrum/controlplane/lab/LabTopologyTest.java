package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

final class LabTopologyTest
{
    private final LabTopology topology = new LabTopology("fl");

    @Test
    void everyNodeLivesInANamespaceNamedWithThePrefix()
    {
        assertEquals(List.of("fl-client", "fl-router", "fl-lan", "fl-lb1", "fl-lb2", "fl-be1", "fl-be2", "fl-be3"),
            topology.nodes().stream().map(LabNode::namespace).toList());
    }

    @Test
    void aTestLabsNamespacesAreNeverMistakenForTheUsersLab()
    {
        assertTrue(topology.owns("fl-be1"));
        assertFalse(topology.owns("flt123x1-be1"));
        assertFalse(new LabTopology("flt123x1").owns("fl-be1"));
    }

    @Test
    void interfaceNamesFitTheKernelsFifteenCharacters()
    {
        for (final LabNode node : topology.nodes())
        {
            // IFNAMSIZ is 16 with the terminating NUL (include/uapi/linux/if.h); the bridge port is named after the node.
            assertTrue(node.name().length() <= 15, node.name());
            assertTrue(node.lanInterface() == null || node.lanInterface().length() <= 15, node.name());
        }
    }

    @Test
    void lanMacsAreUniqueLocallyAdministeredUnicast()
    {
        final Set<String> macs = new HashSet<>();
        for (final LabNode node : topology.nodes())
        {
            if (node.mac() != null)
            {
                final int first = Integer.parseInt(node.mac().substring(0, 2), 16);
                assertEquals(0x02, first & 0x03, node.mac());
                assertTrue(macs.add(node.mac()), "duplicate " + node.mac());
            }
        }
        assertEquals(6, macs.size());
    }

    @Test
    void backendsAreBe1ToBe3OnTheLanWithBothFamilies()
    {
        assertEquals(List.of("10.200.0.11", "10.200.0.12", "10.200.0.13"),
            topology.backends().stream().map(LabNode::lan4).toList());
        assertEquals(List.of("fd00:200::11", "fd00:200::12", "fd00:200::13"),
            topology.backends().stream().map(LabNode::lan6).toList());
    }

    @Test
    void anUnknownNodeIsRefusedWithTheListOfNodes()
    {
        final LabException refusal = assertThrows(LabException.class, () -> topology.node("be9"));
        assertTrue(refusal.getMessage().contains("be1, be2, be3"), refusal.getMessage());
    }

    @Test
    void aPrefixThatCouldEscapeANamespaceNameIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new LabTopology("../x"));
        assertThrows(IllegalArgumentException.class, () -> new LabTopology("fl-x"));
        assertThrows(IllegalArgumentException.class, () -> new LabTopology(""));
    }
}
