package io.fulcrum.controlplane.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Address, prefix and MAC text: what the configuration accepts and how messages print it back. */
class LiteralsTest
{
    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "0x7f.0.0.1", "127.1", "localhost", "1.2.3.4 ",
        "", "fe80::1%eth0", "[::1]", "2001:db8:::1", "::ffff:10.0.0.1", "１.2.3.4"})
    void anythingButAStrictLiteralIsNotAnAddress(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> IpLiterals.parse(text));
    }

    /** RFC 5952 section 4: shortest form, lower case, the longest run of zero groups (the first on a tie) as "::". */
    @ParameterizedTest
    @CsvSource({
        "2001:0DB8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
        "2001:db8:0:0:0:0:0:1, 2001:db8::1",
        "2001:db8:1:1:1:1:0:1, 2001:db8:1:1:1:1:0:1",
        "0:0:0:0:0:0:0:0, ::",
        "0:0:0:0:0:0:0:1, ::1",
        "fe80:0:0:0:0:0:0:0, fe80::",
        "192.0.2.10, 192.0.2.10"})
    void addressesPrintInTheirRecommendedTextForm(final String text, final String expected)
    {
        assertEquals(expected, IpLiterals.format(IpLiterals.parse(text)));
    }

    @Test
    void aPrefixKeepsItsLength()
    {
        assertEquals(new Cidr(IpLiterals.parse("172.16.0.0"), 12), Cidr.parse("172.16.0.0/12"));
        assertEquals(new Cidr(IpLiterals.parse("::"), 0), Cidr.parse("::/0"));
        assertEquals("fd00:f1c::/64", Cidr.parse("fd00:f1c:0::/64").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.1/8", "fd00::1/64", "10.0.0.0"})
    void aPrefixWithABadLengthOrHostBitsIsRefused(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }

    @Test
    void aMacIsTheLow48BitsWithTheFirstOctetMostSignificant()
    {
        assertEquals(0x02_00_00_00_00_11L, MacAddresses.parse("02:00:00:00:00:11"));
        assertEquals(0xff_ff_ff_ff_ff_ffL, MacAddresses.parse("FF:ff:FF:ff:FF:ff"));
        assertEquals(0xa0_b1_c2_d3_e4_f5L, MacAddresses.parse("a0:b1:c2:d3:e4:f5"));
        assertEquals("a0:b1:c2:d3:e4:f5", MacAddresses.format(0xa0_b1_c2_d3_e4_f5L));
        assertEquals("00:00:00:00:00:00", MacAddresses.format(MacAddresses.UNRESOLVED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"02-00-00-00-00-11", "02:00:00:00:00", "02:00:00:00:00:11:22", "2:0:0:0:0:11", "02:00:00:00:00:1g",
        "0200.0000.0011", "０2:00:00:00:00:11"})
    void anythingButSixColonSeparatedOctetsIsNotAMac(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> MacAddresses.parse(text));
    }
}
