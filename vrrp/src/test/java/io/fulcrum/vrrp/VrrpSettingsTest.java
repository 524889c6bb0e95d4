package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class VrrpSettingsTest
{
    @Test
    void defaultsFollowTheRfcPreemptOnAcceptOffOneSecondAdverts()
    {
        final VrrpSettings settings = VrrpSettings.builder("VI_1", "eth0", 51).virtualAddresses("10.0.0.100/24")
            .build();
        assertTrue(settings.preempt());
        assertEquals(false, settings.acceptMode());
        assertEquals(100, settings.advertIntervalCs());
        assertEquals(100, settings.priority());
        assertEquals(false, settings.useVirtualMac());
        assertEquals(4, settings.family());
    }

    @Test
    void anInstanceNeverMixesAddressFamilies() throws Exception
    {
        assertThrows(IllegalArgumentException.class, () -> VrrpSettings.builder("VI_1", "eth0", 51)
            .virtualAddresses("10.0.0.100/24", "2001:db8::100/64").build());
        assertThrows(IllegalArgumentException.class, () -> VrrpSettings.builder("VI_1", "eth0", 51)
            .virtualAddresses("10.0.0.100/24").unicastPeer(InetAddress.getByName("2001:db8::2")).build());
    }

    @Test
    void ipv6AdvertsCarryTheLinkLocalAddressFirst()
    {
        final VrrpSettings settings = VrrpSettings.builder("VI_6", "eth0", 51)
            .virtualAddresses("2001:db8::100/64", "fe80::100/64").build();
        assertEquals(List.of(VirtualAddress.parse("fe80::100/64"), VirtualAddress.parse("2001:db8::100/64")),
            settings.advertisedAddresses());
    }

    @Test
    void theAdvertIntervalIsWholeCentisecondsFrom10MillisecondsTo4095Centiseconds()
    {
        final VrrpSettings.Builder builder = VrrpSettings.builder("VI_1", "eth0", 51).virtualAddresses("10.0.0.1");
        assertEquals(1, builder.advertInterval(Duration.ofMillis(10)).build().advertIntervalCs());
        assertEquals(4095, builder.advertInterval(Duration.ofMillis(40_950)).build().advertIntervalCs());
        assertThrows(IllegalArgumentException.class, () -> builder.advertInterval(Duration.ofMillis(5)).build());
        assertThrows(IllegalArgumentException.class, () -> builder.advertInterval(Duration.ofMillis(15)).build());
        assertThrows(IllegalArgumentException.class, () -> builder.advertInterval(Duration.ofSeconds(41)).build());
    }

    @Test
    void twoInstancesCannotShareAVridOnOneInterfaceAndFamily()
    {
        final VrrpSettings one = VrrpSettings.builder("A", "eth0", 51).virtualAddresses("10.0.0.1").build();
        final VrrpSettings two = VrrpSettings.builder("B", "eth0", 51).virtualAddresses("10.0.0.2").build();
        assertThrows(IllegalArgumentException.class, () -> VrrpAgent.start(List.of(one, two), null));
    }

    @Test
    void startingOnAMissingInterfaceFailsAtOnceNamingIt()
    {
        final VrrpSettings settings = VrrpSettings.builder("VI_1", "nosuch9", 51).virtualAddresses("10.0.0.100/24")
            .sourceAddress(java.net.InetAddress.getLoopbackAddress()).build();
        final RuntimeException refused = assertThrows(RuntimeException.class,
            () -> VrrpAgent.start(List.of(settings), null));
        assertTrue(refused.getMessage().contains("nosuch9"), refused.getMessage());
    }
}
