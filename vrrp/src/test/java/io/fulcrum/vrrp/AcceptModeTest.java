package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

import io.fulcrum.dataplane.sys.Namespaces;
import org.junit.jupiter.api.Test;

/**
 * RFC 9568 Accept_Mode, seen from a neighbour on the LAN: a Master that does not own the virtual address answers
 * neither ICMP echo nor TCP addressed to it while Accept_Mode is False (the default), answers both when it is True,
 * and an address owner (priority 255) always answers. ARP keeps working in every case (the neighbour resolves the VIP,
 * else not even the TCP handshake of the accepting cases would start).
 */
class AcceptModeTest
{
    private static final int PORT = 2222;
    private static final long WAIT_MS = 5_000;
    private static final int TIMEOUT_MS = 1_000;

    @Test
    void withAcceptModeOffANonOwnerMasterDropsEchoAndTcpAddressedToTheVirtualAddress() throws Exception
    {
        assertAnswers(200, false, false);
    }

    @Test
    void withAcceptModeOnANonOwnerMasterAnswersEchoAndTcpAddressedToTheVirtualAddress() throws Exception
    {
        assertAnswers(200, true, true);
    }

    @Test
    void theAddressOwnerAnswersWhateverTheAcceptMode() throws Exception
    {
        assertAnswers(255, false, true);
    }

    private static void assertAnswers(final int priority, final boolean acceptMode, final boolean answers)
        throws Exception
    {
        SystemRequirements.requireCommand("nft");
        try (VrrpLab lab = new VrrpLab())
        {
            final String master = lab.appliance(1);
            final String client = lab.appliance(2);
            final VrrpSettings settings = VrrpSettings.builder("VI_1", "eth0", 51)
                .priority(priority)
                .advertInterval(Duration.ofMillis(100))
                .virtualAddresses(lab.vip(1) + "/24")
                .sourceAddress(InetAddress.getByName(lab.ipv4(1)))
                .acceptMode(acceptMode)
                .build();
            try (ServerSocket listener = Namespaces.runIn(master, () -> new ServerSocket(PORT));
                 VrrpAgent agent = VrrpAgent.start(List.of(settings), VrrpListener.NONE, master))
            {
                assertTrue(VrrpLab.await(() -> agent.state("VI_1") == VrrpState.MASTER, WAIT_MS) >= 0,
                    "VI_1 is " + agent.state("VI_1"));
                assertTrue(lab.hasAddress(master, lab.vip(1)));
                final InetAddress vip = InetAddress.getByName(lab.vip(1));
                final String what = "priority " + priority + ", accept mode " + (acceptMode ? "on" : "off");
                // the master's own address is never filtered: the control that the path works at all
                assertTrue(connects(client, InetAddress.getByName(lab.ipv4(1))), what + ": TCP to the primary address");
                final boolean echo = Namespaces.runIn(client, () -> vip.isReachable(TIMEOUT_MS));
                final boolean tcp = connects(client, vip);
                if (answers)
                {
                    assertTrue(echo, what + ": the VIP answers ICMP echo");
                    assertTrue(tcp, what + ": the VIP accepts TCP");
                }
                else
                {
                    assertFalse(echo, what + ": the VIP must not answer ICMP echo");
                    assertFalse(tcp, what + ": the VIP must not accept TCP");
                    assertTrue(lab.exec(client, "ip", "neigh", "show", lab.vip(1), "dev", "eth0").contains("lladdr"),
                        what + ": ARP for the VIP is still answered");
                }
            }
            assertFalse(lab.exec(master, "nft", "list", "tables").contains(AcceptModeFilter.TABLE),
                "the agent removes its table when it stops");
        }
    }

    private static boolean connects(final String ns, final InetAddress address) throws Exception
    {
        return Namespaces.runIn(ns, () ->
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(address, PORT), TIMEOUT_MS);
                return true;
            }
            catch (final IOException e)
            {
                return false;
            }
        });
    }
}
