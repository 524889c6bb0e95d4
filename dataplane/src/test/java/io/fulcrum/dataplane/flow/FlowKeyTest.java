package io.fulcrum.dataplane.flow;

import io.fulcrum.dataplane.packet.IpAddresses;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowKeyTest
{
    private static final long CLIENT = IpAddresses.v4Lo(0xc000_0201); // 192.0.2.1
    private static final long VIP = IpAddresses.v4Lo(0xcb00_7107);    // 203.0.113.7
    private static final long PINNED_HASH = 0xe5ab2c5e48440891L;
    private static final long PINNED_HASH3 = 0x6bb5c50c8bcafb4fL;

    @Test
    void hashIsPinnedSoBothAppliancesOfAPairAndEveryReleaseAgree()
    {
        // Changing these values changes which backend every flow maps to: a pair running two releases would disagree.
        final FlowKey key = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, 6);
        assertEquals(key.hash(), new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 443, 6).hash());
        assertEquals(PINNED_HASH, key.hash(), () -> String.format("hash is now 0x%016xL", key.hash()));
        assertEquals(PINNED_HASH3, key.hash3(), () -> String.format("hash3 is now 0x%016xL", key.hash3()));
    }

    @Test
    void changingAnyFieldChangesTheHash()
    {
        final long base = new FlowKey().set(1, 2, 3, 4, 5, 6, 17).hash();
        assertNotEquals(base, new FlowKey().set(9, 2, 3, 4, 5, 6, 17).hash());
        assertNotEquals(base, new FlowKey().set(1, 9, 3, 4, 5, 6, 17).hash());
        assertNotEquals(base, new FlowKey().set(1, 2, 9, 4, 5, 6, 17).hash());
        assertNotEquals(base, new FlowKey().set(1, 2, 3, 9, 5, 6, 17).hash());
        assertNotEquals(base, new FlowKey().set(1, 2, 3, 4, 9, 6, 17).hash());
        assertNotEquals(base, new FlowKey().set(1, 2, 3, 4, 5, 9, 17).hash());
        assertNotEquals(base, new FlowKey().set(1, 2, 3, 4, 5, 6, 6).hash());
        assertNotEquals(base, new FlowKey().set(3, 4, 1, 2, 6, 5, 17).hash(), "direction matters");
    }

    @Test
    void hash3IgnoresPortsSoAllFragmentsOfADatagramAgree()
    {
        final FlowKey first = new FlowKey().set(0, CLIENT, 0, VIP, 40_000, 53, 17);
        final FlowKey later = new FlowKey().set(0, CLIENT, 0, VIP, 0, 0, 17);
        assertEquals(first.hash3(), later.hash3());
        assertNotEquals(first.hash3(), new FlowKey().set(0, CLIENT, 0, VIP, 0, 0, 6).hash3());
    }

    @Test
    void sequentialClientPortsSpreadOverAllLowAndHighBits()
    {
        // Ports of one client are sequential: the low bits index the connection table and the high 32 the Maglev table.
        final Set<Long> low = new HashSet<>();
        final Set<Long> high = new HashSet<>();
        final FlowKey key = new FlowKey();
        for (int port = 32_768; port < 32_768 + 4096; port++)
        {
            final long hash = key.set(0, CLIENT, 0, VIP, port, 80, 6).hash();
            low.add(hash & 0xfff);
            high.add(hash >>> 52);
        }
        // 4096 balls in 4096 bins: about 1 - 1/e = 63% of bins are hit.
        assertTrue(low.size() > 2400, "low bins " + low.size());
        assertTrue(high.size() > 2400, "high bins " + high.size());
    }

    @Test
    void reverseSwapsAddressesAndPortsButKeepsTheProtocol()
    {
        final FlowKey key = new FlowKey().set(1, 2, 3, 4, 5, 6, 6).reverse();
        assertEquals(3, key.srcHi());
        assertEquals(4, key.srcLo());
        assertEquals(1, key.dstHi());
        assertEquals(2, key.dstLo());
        assertEquals(6, key.srcPort());
        assertEquals(5, key.dstPort());
        assertEquals(6, key.protocol());
        assertEquals(new FlowKey().set(1, 2, 3, 4, 5, 6, 6).hash(), key.reverse().hash());
    }

    @Test
    void portsAndProtocolAreMaskedToTheirWireWidths()
    {
        final FlowKey key = new FlowKey().set(0, 0, 0, 0, 0x1_0050, -1, 0x106);
        assertEquals(0x50, key.srcPort());
        assertEquals(0xffff, key.dstPort());
        assertEquals(6, key.protocol());
    }
}
