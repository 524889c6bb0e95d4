package io.fulcrum.dataplane.port.afxdp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;
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
    void servicesAddedAndRemovedAtRunTimeShowInTheKernelMaps() throws Exception
    {
        SystemRequirements.requireRoot();
        try (XdpProgram program = XdpProgram.load())
        {
            final InetAddress v4 = InetAddress.getByName("192.0.2.10");
            final InetAddress v6 = InetAddress.getByName("2001:db8::10");
            assertFalse(program.isVip(v4));
            program.addService(v4, Service.TCP, 80);
            program.addService(v4, Service.UDP, 53);
            program.addService(v6, Service.TCP, 443);
            assertTrue(program.steers(v4, Service.TCP, 80));
            assertTrue(program.steers(v4, Service.UDP, 53));
            assertFalse(program.steers(v4, Service.UDP, 80));
            assertTrue(program.steers(v6, Service.TCP, 443));

            assertTrue(program.removeService(v4, Service.TCP, 80));
            assertFalse(program.steers(v4, Service.TCP, 80));
            assertTrue(program.isVip(v4), "its other service keeps the address a VIP");
            assertFalse(program.removeService(v4, Service.TCP, 80));
            assertTrue(program.removeService(v4, Service.UDP, 53));
            assertFalse(program.isVip(v4), "no service left");
            assertTrue(program.isVip(v6));
        }
    }

    @Test
    void steeringAServiceListAddsWhatIsNewAndRemovesWhatIsGone() throws Exception
    {
        SystemRequirements.requireRoot();
        try (XdpProgram program = XdpProgram.load())
        {
            final InetAddress vip = InetAddress.getByName("192.0.2.20");
            final InetAddress other = InetAddress.getByName("192.0.2.21");
            program.steer(List.of(service(0, vip, 80), service(1, other, 80)));
            assertTrue(program.steers(vip, Service.TCP, 80));
            assertTrue(program.steers(other, Service.TCP, 80));

            program.steer(List.of(service(0, vip, 8080)));
            assertTrue(program.steers(vip, Service.TCP, 8080));
            assertFalse(program.steers(vip, Service.TCP, 80), "the port the reload dropped");
            assertFalse(program.isVip(other), "the VIP the reload dropped");

            program.steer(List.of());
            assertFalse(program.isVip(vip));
        }
    }

    private static Service service(final int id, final InetAddress vip, final int port)
    {
        return new Service(id, "s" + id, vip, port, Service.TCP, Encapsulation.IPIP, 65537, List.of());
    }
}
