package io.fulcrum.dataplane.port.afxdp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.testing.SystemRequirements;

class XdpProgramTest
{
    @Test
    void steeringProgramPassesTheVerifier()
    {
        SystemRequirements.requireRoot();
        try (XdpProgram program = XdpProgram.load())
        {
            assertTrue(program.instructionCount() > 5, "the VIP filter, not the redirect-all fallback");
            assertFalse(program.attached());
        }
    }

    @Test
    void vipsAddedAndRemovedAtRunTimeShowInTheKernelMaps() throws Exception
    {
        SystemRequirements.requireRoot();
        try (XdpProgram program = XdpProgram.load())
        {
            final InetAddress v4 = InetAddress.getByName("192.0.2.10");
            final InetAddress v6 = InetAddress.getByName("2001:db8::10");
            assertFalse(program.steers(v4));
            program.addVip(v4);
            program.addVip(v6);
            assertTrue(program.steers(v4));
            assertTrue(program.steers(v6));
            assertTrue(program.removeVip(v4));
            assertFalse(program.steers(v4));
            assertFalse(program.removeVip(v4));
            assertTrue(program.steers(v6));
        }
    }
}
