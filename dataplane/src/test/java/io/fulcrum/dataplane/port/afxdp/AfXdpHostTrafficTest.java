package io.fulcrum.dataplane.port.afxdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.Dataplane;
import io.fulcrum.dataplane.DataplaneSettings;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.testing.Netns;
import io.fulcrum.dataplane.testing.SystemRequirements;

/**
 * The data plane running on AF_XDP with the VIPs on the balancer's own interface, as an appliance holds them while it
 * is master: traffic for a VIP that no service takes (a ping, a port no service listens on) is the host's, as it is
 * with AF_PACKET, while the services' traffic still reaches the worker. The client sends from its namespace over a
 * veth pair; the worker runs on its own thread as under {@code fulcrum run}.
 */
class AfXdpHostTrafficTest
{
    private static final String LB_IF = AfXdpPortTest.LB_IF;
    private static final String CL_IF = AfXdpPortTest.CL_IF;
    private static final String VIP4 = "10.77.0.100";
    private static final String VIP6 = "fd77::100";
    private static final int DNS_PORT = 53;
    private static final int HOST_PORT = 9100;
    private static final long WAIT_NANOS = 5_000_000_000L;

    private Netns netns;
    private String lb;
    private String cl;
    private long lbMac;
    private long clMac;
    private CountersFile counters;
    private Dataplane dataplane;
    private XdpProgram program;

    @BeforeEach
    void startTheDataPlaneOnAfXdp() throws Exception
    {
        SystemRequirements.requireRoot();
        SystemRequirements.requireCommand("ping");
        netns = new Netns();
        lb = netns.namespace("lb");
        cl = netns.namespace("cl");
        netns.veth(lb, LB_IF, null, cl, CL_IF, null);
        netns.exec(lb, "ip", "address", "add", "10.77.0.1/24", "dev", LB_IF);
        netns.exec(cl, "ip", "address", "add", "10.77.0.2/24", "dev", CL_IF);
        netns.exec(lb, "ip", "address", "add", "fd77::1/64", "dev", LB_IF, "nodad");
        netns.exec(cl, "ip", "address", "add", "fd77::2/64", "dev", CL_IF, "nodad");
        netns.exec(lb, "ip", "address", "add", VIP4 + "/32", "dev", LB_IF);
        netns.exec(lb, "ip", "address", "add", VIP6 + "/128", "dev", LB_IF, "nodad");
        lbMac = TestFrames.mac(netns.exec(lb, "cat", "/sys/class/net/" + LB_IF + "/address"));
        clMac = TestFrames.mac(netns.exec(cl, "cat", "/sys/class/net/" + CL_IF + "/address"));

        // One UDP service per VIP, its backend the client's box (what it receives does not matter here).
        final List<Service> services = List.of(dns(0, VIP4), dns(1, VIP6));
        final AfXdpPortTest.Rig rig = Namespaces.runIn(lb, () -> AfXdpPortTest.openRigHere(LB_IF));
        program = rig.program();
        counters = CountersFile.inMemory(256);
        dataplane = new Dataplane(DataplaneSettings.defaults().withConnectionCapacity(1 << 12), counters,
            SystemEpochClock.INSTANCE, Throwable::printStackTrace);
        dataplane.addWorker(rig.port());
        dataplane.publish(services);
        program.steer(services);
        dataplane.start();
    }

    @AfterEach
    void stop()
    {
        if (dataplane != null)
        {
            dataplane.close(); // stops the worker and closes its port
        }
        if (program != null)
        {
            program.close();
        }
        if (netns != null)
        {
            netns.close();
        }
    }

    @Test
    void aPingToAVipIsAnsweredByTheHost() throws Exception
    {
        assertTrue(ping(VIP4), "ping " + VIP4);
        assertTrue(ping(VIP6), "ping " + VIP6);
    }

    @Test
    void aPortNoServiceHasOnAVipIsTheHostsWhileTheServicesPortIsTheDataPlanes() throws Exception
    {
        try (DatagramSocket host4 = Namespaces.runIn(lb, () -> new DatagramSocket(
                 new InetSocketAddress(address(VIP4), HOST_PORT)));
             DatagramSocket host6 = Namespaces.runIn(lb, () -> new DatagramSocket(
                 new InetSocketAddress(address(VIP6), HOST_PORT)));
             DatagramSocket client = Namespaces.runIn(cl, () -> new DatagramSocket()))
        {
            host4.setSoTimeout(3000);
            host6.setSoTimeout(3000);
            final byte[] hello = "for the host".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(hello, hello.length, address(VIP4), HOST_PORT));
            client.send(new DatagramPacket(hello, hello.length, address(VIP6), HOST_PORT));
            final DatagramPacket in = new DatagramPacket(new byte[64], 64);
            host4.receive(in);
            assertEquals("for the host", new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));
            host6.receive(in);
            assertEquals("for the host", new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII));

            final byte[] query = "query".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(query, query.length, address(VIP4), DNS_PORT));
            client.send(new DatagramPacket(query, query.length, address(VIP6), DNS_PORT));
            assertEquals(1, await(() -> total(CounterType.SERVICE_PACKETS, 0), 1), "the v4 service's datagram");
            assertEquals(1, await(() -> total(CounterType.SERVICE_PACKETS, 1), 1), "the v6 service's datagram");
        }
    }

    /**
     * A frame for a service's port flooded to another MAC is the host's to drop, not the data plane's to forward; the
     * program steered it all the same, and the port could not give it back: counted, as every drop is.
     */
    @Test
    void aFrameTheDataPlaneLeavesToTheHostIsCountedAsADropForTheHost() throws Exception
    {
        final long otherMac = 0x02_00_00_00_00_99L;
        Namespaces.runIn(cl, () ->
        {
            TestFrames.sendRaw(CL_IF, TestFrames.udp(otherMac, clMac, -1, address("10.77.0.2"), address(VIP4), 5000,
                DNS_PORT, "flooded".getBytes(StandardCharsets.US_ASCII)));
            return null;
        });
        assertEquals(1, await(() -> total(CounterType.WORKER_DROP, DropReason.MEANT_FOR_HOST), 1),
            "dropped: meant for host");
        assertEquals(0, total(CounterType.SERVICE_PACKETS, 0), "not forwarded");
    }

    // --- helpers

    private Service dns(final int id, final String vip)
    {
        final String backend = vip.contains(":") ? "fd77::2" : "10.77.0.2";
        return new Service(id, "dns" + id, address(vip), DNS_PORT, Service.UDP, Encapsulation.IPIP, 65537,
            List.of(new Backend(id, address(backend), 100, BackendState.ACTIVE, clMac)));
    }

    /** {@code ping} from the client: true when every echo request was answered. */
    private boolean ping(final String target) throws Exception
    {
        final Process ping = netns.start(cl, "ping", "-c", "3", "-i", "0.2", "-W", "2", target);
        final String output = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ping.waitFor(15, TimeUnit.SECONDS))
        {
            ping.destroyForcibly();
            return false;
        }
        if (ping.exitValue() != 0)
        {
            System.err.println(output);
        }
        return ping.exitValue() == 0;
    }

    private long total(final int type, final long owner)
    {
        return CounterTotals.read(counters.reader()).value(type, owner);
    }

    /** The counter's value once it reached {@code expected}, or whatever it holds after a few seconds. */
    private static long await(final LongSupplier counter, final long expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (counter.getAsLong() < expected && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        return counter.getAsLong();
    }

    private static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
