package io.fulcrum.dataplane.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.testing.Netns;
import io.fulcrum.dataplane.testing.SystemRequirements;

/** Two namespaces joined by a veth pair: {@value #A_IF} (10.66.5.1, fd66:5::1) and {@value #B_IF} (.2, ::2). */
class RtnetlinkTest
{
    private static final String A_IF = "rna";
    private static final String B_IF = "rnb";
    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(3);

    private static final InetAddress A4 = address("10.66.5.1");
    private static final InetAddress B4 = address("10.66.5.2");
    private static final InetAddress B6 = address("fd66:5::2");

    private Netns netns;
    private String a;
    private String b;
    private long bMac;

    @BeforeEach
    void createNamespaces() throws Exception
    {
        SystemRequirements.requireRoot();
        netns = new Netns();
        a = netns.namespace("a");
        b = netns.namespace("b");
        netns.veth(a, A_IF, null, b, B_IF, null);
        netns.exec(a, "ip", "address", "add", "10.66.5.1/24", "dev", A_IF);
        netns.exec(b, "ip", "address", "add", "10.66.5.2/24", "dev", B_IF);
        netns.exec(a, "ip", "address", "add", "fd66:5::1/64", "dev", A_IF, "nodad");
        netns.exec(b, "ip", "address", "add", "fd66:5::2/64", "dev", B_IF, "nodad");
        bMac = Namespaces.runIn(b, () -> NetDevices.macAddress(B_IF));
    }

    @AfterEach
    void removeNamespaces()
    {
        if (netns != null)
        {
            netns.close();
        }
    }

    @Test
    void theNeighbourTableShowsThePeerAfterItSentTraffic() throws Exception
    {
        // b resolves a, and a learns b from b's ARP request (RFC 826 "merge"): an entry without a's own doing
        Namespaces.runIn(b, () ->
        {
            try (DatagramSocket socket = new DatagramSocket())
            {
                socket.send(new DatagramPacket(new byte[1], 1, A4, 9));
            }
            return null;
        });
        final Rtnetlink.Neighbour peer = Namespaces.runIn(a, () ->
        {
            try (Rtnetlink rtnetlink = Rtnetlink.open())
            {
                final int ifIndex = Libc.ifNameToIndex(A_IF);
                final long deadline = System.nanoTime() + RESOLVE_TIMEOUT.toNanos();
                while (System.nanoTime() < deadline)
                {
                    for (final Rtnetlink.Neighbour n : rtnetlink.neighbours(Rtnetlink.AF_INET))
                    {
                        if (n.ifIndex() == ifIndex && n.address().equals(B4) && n.usable())
                        {
                            return n;
                        }
                    }
                    Thread.sleep(10);
                }
                return null;
            }
        });
        assertTrue(peer != null, "b appeared in a's neighbour table");
        assertEquals(bMac, peer.linkLayerAddress());
        final String ip = netns.exec(a, "ip", "-j", "neigh", "show", "dev", A_IF);
        assertTrue(ip.contains("\"dst\":\"10.66.5.2\"") && ip.contains("\"lladdr\":\"" + text(bMac) + "\""), ip);
    }

    @Test
    void anIpv6DumpHoldsOnlyIpv6Entries() throws Exception
    {
        final List<Rtnetlink.Neighbour> v6 = Namespaces.runIn(a, () ->
        {
            try (Rtnetlink rtnetlink = Rtnetlink.open())
            {
                assertTrue(rtnetlink.resolve(B4, A_IF, RESOLVE_TIMEOUT).isPresent());
                assertTrue(rtnetlink.resolve(B6, A_IF, RESOLVE_TIMEOUT).isPresent());
                return rtnetlink.neighbours(Rtnetlink.AF_INET6);
            }
        });
        assertTrue(v6.stream().anyMatch(n -> n.address().equals(B6)), v6.toString());
        assertTrue(v6.stream().allMatch(n -> n.address().getAddress().length == 16), v6.toString());
    }

    @Test
    void addedAddressesAppearInIpAndRemovedOnesGo() throws Exception
    {
        final InetAddress vip4 = address("10.66.9.9");
        final InetAddress vip6 = address("fd66:9::9");
        Namespaces.runIn(a, () ->
        {
            try (Rtnetlink rtnetlink = Rtnetlink.open())
            {
                final int ifIndex = Libc.ifNameToIndex(A_IF);
                assertTrue(rtnetlink.addAddress(ifIndex, vip4, 32));
                assertTrue(rtnetlink.addAddress(ifIndex, vip6, 128));
                assertFalse(rtnetlink.addAddress(ifIndex, vip4, 32), "already there: EEXIST, reported as false");
                assertFalse(rtnetlink.addAddress(ifIndex, vip6, 128), "already there: EEXIST, reported as false");
            }
            return null;
        });
        String ip = netns.exec(a, "ip", "-j", "address", "show", "dev", A_IF);
        assertTrue(ip.contains("\"local\":\"10.66.9.9\",\"prefixlen\":32"), ip);
        assertTrue(ip.contains("\"local\":\"fd66:9::9\",\"prefixlen\":128,\"scope\":\"global\",\"nodad\":true"),
            "IPv6 added without duplicate address detection, so usable at once: " + ip);

        Namespaces.runIn(a, () ->
        {
            try (Rtnetlink rtnetlink = Rtnetlink.open())
            {
                final int ifIndex = Libc.ifNameToIndex(A_IF);
                assertTrue(rtnetlink.removeAddress(ifIndex, vip4, 32));
                assertTrue(rtnetlink.removeAddress(ifIndex, vip6, 128));
                assertFalse(rtnetlink.removeAddress(ifIndex, vip4, 32), "gone: EADDRNOTAVAIL, reported as false");
                assertFalse(rtnetlink.removeAddress(ifIndex, vip6, 128), "gone: EADDRNOTAVAIL, reported as false");
            }
            return null;
        });
        ip = netns.exec(a, "ip", "-j", "address", "show", "dev", A_IF);
        assertFalse(ip.contains("10.66.9.9"), ip);
        assertFalse(ip.contains("fd66:9::9"), ip);
        assertTrue(ip.contains("\"local\":\"10.66.5.1\""), "the interface's own address stays: " + ip);
    }

    @Test
    void anAddressOnAMissingInterfaceIsRefusedWithTheKernelsErrno() throws Exception
    {
        final NativeException refused = Namespaces.runIn(a, () ->
        {
            try (Rtnetlink rtnetlink = Rtnetlink.open())
            {
                rtnetlink.addAddress(999_999, address("10.66.9.10"), 32);
                return null;
            }
            catch (final NativeException e)
            {
                return e;
            }
        });
        assertTrue(refused != null, "refused");
        assertEquals(19, refused.errno(), "ENODEV: " + refused.getMessage());
    }

    @Test
    void resolveReturnsThePeersMacForIpv4AndIpv6() throws Exception
    {
        final long[] macs = Namespaces.runIn(a, () ->
        {
            try (Rtnetlink rtnetlink = Rtnetlink.open())
            {
                assertTrue(rtnetlink.neighbours(Rtnetlink.AF_UNSPEC).stream()
                    .noneMatch(n -> n.address().equals(B4) || n.address().equals(B6)), "b unknown before");
                return new long[] {
                    rtnetlink.resolve(B4, A_IF, RESOLVE_TIMEOUT).orElse(-1),
                    rtnetlink.resolve(B6, A_IF, RESOLVE_TIMEOUT).orElse(-1),
                    rtnetlink.resolve(B4, A_IF, RESOLVE_TIMEOUT).orElse(-1), // from the table this time
                };
            }
        });
        assertEquals(text(bMac), text(macs[0]), "IPv4, by ARP");
        assertEquals(text(bMac), text(macs[1]), "IPv6, by neighbour discovery");
        assertEquals(text(bMac), text(macs[2]), "IPv4 again");
    }

    @Test
    void resolvingAnAbsentHostGivesUpAtTheTimeout() throws Exception
    {
        final OptionalLong absent = Namespaces.runIn(a, () ->
        {
            try (Rtnetlink rtnetlink = Rtnetlink.open())
            {
                return rtnetlink.resolve(address("10.66.5.77"), A_IF, Duration.ofMillis(500));
            }
        });
        assertTrue(absent.isEmpty());
    }

    private static String text(final long mac)
    {
        final String hex = HexFormat.of().toHexDigits(mac).substring(4);
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < 12; i += 2)
        {
            out.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        return out.toString().toLowerCase(Locale.ROOT);
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
