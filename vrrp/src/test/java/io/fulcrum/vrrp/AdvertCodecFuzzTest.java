package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.packet.IpAddresses;

/**
 * Mutates valid advertisements at random (seeded, so a failure replays) and feeds them to the parser: it must return
 * a code for every input and never throw. Bounded by a count and by about 20 seconds.
 */
class AdvertCodecFuzzTest
{
    private static final long SEED = 0x5eed_9568L;
    private static final int ITERATIONS = 20_000_000;
    private static final long BUDGET_NANOS = 20_000_000_000L;

    @Test
    void theParserNeverThrowsOnMutatedAdvertisements()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final byte[] bytes = new byte[AdvertCodec.MAX_LENGTH + 64];
        final MemorySegment memory = MemorySegment.ofArray(bytes);
        final Advert advert = new Advert();
        final VridSet vrids = new VridSet().add(1).add(51).add(255);
        final long[] hi = new long[AdvertCodec.MAX_ADDRESSES];
        final long[] lo = new long[AdvertCodec.MAX_ADDRESSES];
        final long[] results = new long[AdvertReject.CODES];
        final long deadline = System.nanoTime() + BUDGET_NANOS;
        int done = 0;
        for (; done < ITERATIONS && (done & 0xfff) != 0 || System.nanoTime() < deadline && done < ITERATIONS; done++)
        {
            final int family = random.nextBoolean() ? 4 : 6;
            final int count = 1 + random.nextInt(random.nextInt(8) == 0 ? 255 : 4);
            for (int i = 0; i < count; i++)
            {
                hi[i] = family == 4 ? 0 : random.nextLong();
                lo[i] = family == 4 ? IpAddresses.v4Lo(random.nextInt()) : random.nextLong();
            }
            final boolean ipPacket = family == 4 && random.nextBoolean();
            final int start = ipPacket ? 20 : 0;
            int length = AdvertCodec.build(memory, start, family, random.nextBoolean() ? 51 : 1 + random.nextInt(255),
                random.nextInt(256), 1 + random.nextInt(4095), hi, lo, count, 0, IpAddresses.v4Lo(0x0a000001), 0,
                AdvertCodec.GROUP_V4_LO) + start;
            if (ipPacket)
            {
                bytes[0] = 0x45;
                bytes[2] = (byte)(length >>> 8);
                bytes[3] = (byte)length;
                bytes[8] = (byte)255;
                bytes[9] = 112;
            }
            final int mutations = random.nextInt(5);
            for (int m = 0; m < mutations; m++)
            {
                bytes[random.nextInt(Math.max(1, Math.min(length + 8, bytes.length)))] = (byte)random.nextInt(256);
            }
            if (random.nextInt(4) == 0)
            {
                length = random.nextInt(bytes.length + 1);
            }
            final long offset = random.nextInt(16) == 0 ? random.nextInt(bytes.length + 8) - 4 : 0;
            final int ttl = random.nextInt(8) == 0 ? random.nextInt(256) : 255;
            try
            {
                final int code = ipPacket
                    ? AdvertCodec.parseIpv4Packet(memory, offset, length, vrids, advert)
                    : AdvertCodec.parse(memory, offset + start, length - start, family, 0,
                        IpAddresses.v4Lo(0x0a000001), 0, AdvertCodec.GROUP_V4_LO, ttl, vrids, advert);
                results[code]++;
            }
            catch (final RuntimeException e)
            {
                fail("iteration " + done + " (seed " + SEED + ") threw " + e);
            }
        }
        assertTrue(done >= 100_000, "too few iterations: " + done);
        assertTrue(results[AdvertReject.ACCEPTED] > 0 && results[AdvertReject.CHECKSUM] > 0,
            "the mutations reach both acceptance and the checksum check");
        System.out.println("fuzzed " + done + " adverts: " + java.util.Arrays.toString(results));
    }
}
