package io.fulcrum.dataplane.balance;

import io.fulcrum.dataplane.packet.IpAddresses;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceTableTest
{
    private static final InetAddress WEB = address("203.0.113.7");
    private static final InetAddress DNS = address("203.0.113.53");
    private static final InetAddress WEB6 = address("2001:db8::80");

    private final ServiceTable table = new ServiceTable(List.of(
        service(0, WEB, 80, Service.TCP),
        service(1, WEB, 443, Service.TCP),
        service(2, DNS, 53, Service.UDP),
        service(3, DNS, 53, Service.TCP),
        service(4, WEB6, 443, Service.TCP),
        service(5, WEB, 443, Service.UDP)));

    @Test
    void packetMatchesTheServiceOfItsVipPortAndProtocol()
    {
        assertEquals(0, match(WEB, 80, Service.TCP));
        assertEquals(1, match(WEB, 443, Service.TCP));
        assertEquals(5, match(WEB, 443, Service.UDP));
        assertEquals(2, match(DNS, 53, Service.UDP));
        assertEquals(3, match(DNS, 53, Service.TCP));
        assertEquals(4, match(WEB6, 443, Service.TCP));
    }

    @Test
    void otherPortProtocolOrAddressMatchesNothing()
    {
        assertEquals(ServiceTable.NO_SERVICE, match(WEB, 8080, Service.TCP));
        assertEquals(ServiceTable.NO_SERVICE, match(WEB, 80, Service.UDP));
        assertEquals(ServiceTable.NO_SERVICE, match(DNS, 80, Service.TCP));
        assertEquals(ServiceTable.NO_SERVICE, match(WEB6, 80, Service.TCP));
        assertEquals(ServiceTable.NO_SERVICE, match(address("198.51.100.1"), 80, Service.TCP));
        // The IPv6 address whose low 64 bits equal the IPv4-mapped VIP's is another address.
        assertEquals(ServiceTable.NO_SERVICE, table.match(0x2001_0db8_0000_0000L, IpAddresses.lo(WEB), 80, Service.TCP));
    }

    @Test
    void anyServiceAddressIsAVip()
    {
        assertTrue(table.isVip(IpAddresses.hi(WEB), IpAddresses.lo(WEB)));
        assertTrue(table.isVip(IpAddresses.hi(DNS), IpAddresses.lo(DNS)));
        assertTrue(table.isVip(IpAddresses.hi(WEB6), IpAddresses.lo(WEB6)));
        assertFalse(table.isVip(0, IpAddresses.v4Lo(0xc633_6401)));
    }

    @Test
    void fragmentMatchesOnlyWhenOneServiceHasItsVipAndProtocol()
    {
        assertEquals(5, fragment(WEB, Service.UDP));
        assertEquals(2, fragment(DNS, Service.UDP));
        assertEquals(3, fragment(DNS, Service.TCP));
        assertEquals(4, fragment(WEB6, Service.TCP));
        assertEquals(ServiceTable.NO_SERVICE, fragment(WEB, Service.TCP), "ports 80 and 443 share the VIP");
        assertEquals(ServiceTable.NO_SERVICE, fragment(WEB6, Service.UDP));
    }

    @Test
    void twoServicesOnTheSameVipPortAndProtocolAreRefused()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new ServiceTable(List.of(service(0, WEB, 80, Service.TCP), service(1, WEB, 80, Service.TCP))));
    }

    @Test
    void emptyTableMatchesNothing()
    {
        final ServiceTable empty = new ServiceTable(List.of());
        assertEquals(ServiceTable.NO_SERVICE, empty.match(0, IpAddresses.lo(WEB), 80, Service.TCP));
        assertFalse(empty.isVip(0, IpAddresses.lo(WEB)));
        assertEquals(ServiceTable.NO_SERVICE, empty.matchFragment(0, IpAddresses.lo(WEB), Service.TCP));
    }

    @Test
    void manyServicesAllMatch()
    {
        final List<Service> services = new ArrayList<>();
        for (int i = 0; i < 1000; i++)
        {
            services.add(service(i, address("10.0." + (i / 100) + "." + (i % 100)), 1000 + i % 7, i % 2 == 0 ? 6 : 17));
        }
        final ServiceTable many = new ServiceTable(services);
        for (int i = 0; i < services.size(); i++)
        {
            final Service s = services.get(i);
            assertEquals(i, many.match(IpAddresses.hi(s.vip()), IpAddresses.lo(s.vip()), s.port(), s.protocol()));
        }
    }

    @Test
    void matchingAllocatesNothing()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long hi = IpAddresses.hi(WEB6);
        final long lo = IpAddresses.lo(WEB6);
        long sum = 0;
        for (int round = 0; round < 21; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++)
            {
                sum += table.match(hi, lo + (i & 1), 443, Service.TCP) + table.matchFragment(hi, lo, i & 0xff) +
                    (table.isVip(hi, lo - (i & 1)) ? 1 : 0);
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round == 20)
            {
                assertEquals(0, allocated, "bytes allocated by 300 000 lookups after warm-up");
            }
        }
        assertTrue(sum != 0);
    }

    private int match(final InetAddress vip, final int port, final int protocol)
    {
        return table.match(IpAddresses.hi(vip), IpAddresses.lo(vip), port, protocol);
    }

    private int fragment(final InetAddress vip, final int protocol)
    {
        return table.matchFragment(IpAddresses.hi(vip), IpAddresses.lo(vip), protocol);
    }

    private static Service service(final int id, final InetAddress vip, final int port, final int protocol)
    {
        return new Service(id, "s" + id, vip, port, protocol, Encapsulation.IPIP, MaglevTable.DEFAULT_SIZE, List.of());
    }

    private static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalArgumentException(e);
        }
    }
}
