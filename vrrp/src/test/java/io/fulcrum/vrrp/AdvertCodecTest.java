package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.packet.IpAddresses;

class AdvertCodecTest
{
    private static final long SOURCE = IpAddresses.v4Lo(0x0a000001);
    private static final VridSet VRID_51 = new VridSet().add(51);

    private final byte[] bytes = new byte[2048];
    private final MemorySegment memory = MemorySegment.ofArray(bytes);
    private final Advert advert = new Advert();

    /** RFC 1071 written the plain way, over bytes, as a reference that is not the code under test. */
    private static int referenceChecksum(final byte[] data, final int offset, final int length, final byte[] prefix)
    {
        final byte[] all = new byte[prefix.length + length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(data, offset, all, prefix.length, length);
        long sum = 0;
        for (int i = 0; i < all.length; i += 2)
        {
            sum += ((all[i] & 0xff) << 8) | (i + 1 < all.length ? all[i + 1] & 0xff : 0);
        }
        while (sum >>> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int)(~sum & 0xffff);
    }

    private int buildV4(final int priority, final int... addresses)
    {
        final long[] hi = new long[addresses.length];
        final long[] lo = new long[addresses.length];
        for (int i = 0; i < addresses.length; i++)
        {
            lo[i] = IpAddresses.v4Lo(addresses[i]);
        }
        return AdvertCodec.build(memory, 0, 4, 51, priority, 100, hi, lo, addresses.length, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO);
    }

    @Test
    void anIpv4AdvertisementCarriesVersion3Type1AndAPseudoHeaderChecksum()
    {
        final int length = buildV4(150, 0x0a0000fe, 0x0a0000fd);
        assertEquals(16, length);
        assertEquals(0x31, bytes[0] & 0xff);
        assertEquals(51, bytes[1] & 0xff);
        assertEquals(150, bytes[2] & 0xff);
        assertEquals(2, bytes[3] & 0xff);
        assertEquals(100, ((bytes[4] & 0x0f) << 8) | (bytes[5] & 0xff));
        final byte[] pseudo = {10, 0, 0, 1, (byte)224, 0, 0, 18, 0, 112, 0, 16};
        final int stored = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
        bytes[6] = 0;
        bytes[7] = 0;
        assertEquals(referenceChecksum(bytes, 0, length, pseudo), stored);
    }

    @Test
    void aBuiltAdvertisementParsesBackToItsFields()
    {
        final int length = buildV4(200, 0x0a0000fe);
        final int result = AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0, AdvertCodec.GROUP_V4_LO, 255,
            VRID_51, advert);
        assertEquals(AdvertReject.ACCEPTED, result);
        assertEquals(51, advert.vrid());
        assertEquals(200, advert.priority());
        assertEquals(100, advert.maxAdverIntervalCs());
        assertEquals(Advert.CHECKSUM_PSEUDO_HEADER, advert.checksumForm());
        assertEquals(IpAddresses.v4Lo(0x0a0000fe), advert.addressLo(0));
        assertEquals(SOURCE, advert.sourceLo());
    }

    @Test
    void aMessageOnlyIpv4ChecksumIsAlsoAccepted()
    {
        final int length = buildV4(100, 0x0a0000fe);
        bytes[6] = 0;
        bytes[7] = 0;
        final int checksum = referenceChecksum(bytes, 0, length, new byte[0]);
        bytes[6] = (byte)(checksum >>> 8);
        bytes[7] = (byte)checksum;
        assertEquals(AdvertReject.ACCEPTED, AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, VRID_51, advert));
        assertEquals(Advert.CHECKSUM_MESSAGE_ONLY, advert.checksumForm());
    }

    @Test
    void anIpv6AdvertisementChecksumsTheIpv6PseudoHeaderAndNoMessageOnlyFormIsAccepted() throws Exception
    {
        final InetAddress linkLocal = InetAddress.getByName("fe80::1");
        final InetAddress global = InetAddress.getByName("2001:db8::1");
        final InetAddress source = InetAddress.getByName("fe80::aa");
        final long[] hi = {IpAddresses.hi(linkLocal), IpAddresses.hi(global)};
        final long[] lo = {IpAddresses.lo(linkLocal), IpAddresses.lo(global)};
        final int length = AdvertCodec.build(memory, 0, 6, 51, 100, 100, hi, lo, 2, IpAddresses.hi(source),
            IpAddresses.lo(source), AdvertCodec.GROUP_V6_HI, AdvertCodec.GROUP_V6_LO);
        assertEquals(40, length);
        final byte[] pseudo = new byte[40];
        System.arraycopy(source.getAddress(), 0, pseudo, 0, 16);
        System.arraycopy(InetAddress.getByName("ff02::12").getAddress(), 0, pseudo, 16, 16);
        pseudo[35] = 40;
        pseudo[39] = 112;
        final int stored = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
        assertEquals(AdvertReject.ACCEPTED, AdvertCodec.parse(memory, 0, length, 6, IpAddresses.hi(source),
            IpAddresses.lo(source), AdvertCodec.GROUP_V6_HI, AdvertCodec.GROUP_V6_LO, 255, VRID_51, advert));
        assertEquals(IpAddresses.lo(linkLocal), advert.addressLo(0));
        assertEquals(IpAddresses.hi(global), advert.addressHi(1));
        bytes[6] = 0;
        bytes[7] = 0;
        assertEquals(referenceChecksum(bytes, 0, length, pseudo), stored);
        final int messageOnly = referenceChecksum(bytes, 0, length, new byte[0]);
        bytes[6] = (byte)(messageOnly >>> 8);
        bytes[7] = (byte)messageOnly;
        assertEquals(AdvertReject.CHECKSUM, AdvertCodec.parse(memory, 0, length, 6, IpAddresses.hi(source),
            IpAddresses.lo(source), AdvertCodec.GROUP_V6_HI, AdvertCodec.GROUP_V6_LO, 255, VRID_51, advert));
    }

    @Test
    void anAdvertisementWithTtl254IsDropped()
    {
        final int length = buildV4(100, 0x0a0000fe);
        assertEquals(AdvertReject.TTL, AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 254, VRID_51, advert));
    }

    @Test
    void versionTwoIsDropped()
    {
        final int length = buildV4(100, 0x0a0000fe);
        bytes[0] = 0x21;
        assertEquals(AdvertReject.VERSION, AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, VRID_51, advert));
    }

    @Test
    void anUnknownTypeIsDropped()
    {
        final int length = buildV4(100, 0x0a0000fe);
        bytes[0] = 0x32;
        assertEquals(AdvertReject.TYPE, AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, VRID_51, advert));
    }

    @Test
    void aTruncatedAdvertisementIsDropped()
    {
        final int length = buildV4(100, 0x0a0000fe, 0x0a0000fd);
        assertEquals(AdvertReject.TRUNCATED, AdvertCodec.parse(memory, 0, length - 4, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, VRID_51, advert));
        assertEquals(AdvertReject.TRUNCATED, AdvertCodec.parse(memory, 0, 7, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, VRID_51, advert));
    }

    @Test
    void aCountThatDisagreesWithTheLengthIsDropped()
    {
        final int length = buildV4(100, 0x0a0000fe, 0x0a0000fd);
        bytes[3] = 1;
        assertEquals(AdvertReject.ADDRESS_COUNT, AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, VRID_51, advert));
    }

    @Test
    void aWrongChecksumIsDropped()
    {
        final int length = buildV4(100, 0x0a0000fe);
        bytes[7] ^= 1;
        assertEquals(AdvertReject.CHECKSUM, AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, VRID_51, advert));
    }

    @Test
    void aVridThatIsNotConfiguredIsDropped()
    {
        final int length = buildV4(100, 0x0a0000fe);
        assertEquals(AdvertReject.VRID, AdvertCodec.parse(memory, 0, length, 4, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO, 255, new VridSet().add(52), advert));
    }

    @Test
    void anIpv4PacketIsParsedWithTheTtlAndAddressesOfItsHeader()
    {
        final int length = AdvertCodec.build(memory, 20, 4, 51, 100, 100, new long[]{0},
            new long[]{IpAddresses.v4Lo(0x0a0000fe)}, 1, 0, SOURCE, 0, AdvertCodec.GROUP_V4_LO);
        final byte[] header = {0x45, 0, 0, (byte)(20 + length), 0, 0, 0, 0, (byte)255, 112, 0, 0,
            10, 0, 0, 1, (byte)224, 0, 0, 18};
        System.arraycopy(header, 0, bytes, 0, 20);
        assertEquals(AdvertReject.ACCEPTED, AdvertCodec.parseIpv4Packet(memory, 0, 20 + length, VRID_51, advert));
        assertEquals(255, advert.ttl());
        bytes[8] = (byte)254;
        assertEquals(AdvertReject.TTL, AdvertCodec.parseIpv4Packet(memory, 0, 20 + length, VRID_51, advert));
        bytes[9] = 17;
        assertEquals(AdvertReject.NOT_VRRP, AdvertCodec.parseIpv4Packet(memory, 0, 20 + length, VRID_51, advert));
    }

    @Test
    void anIpv4AdvertisementRefusesAnIpv6Address() throws Exception
    {
        final InetAddress v6 = InetAddress.getByName("2001:db8::1");
        assertThrows(IllegalArgumentException.class, () -> AdvertCodec.build(memory, 0, 4, 51, 100, 100,
            new long[]{IpAddresses.hi(v6)}, new long[]{IpAddresses.lo(v6)}, 1, 0, SOURCE, 0,
            AdvertCodec.GROUP_V4_LO));
    }
}
