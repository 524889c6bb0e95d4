package io.fulcrum.dataplane.packet;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChecksumsTest
{
    @Test
    void rfc1071ExampleSumsToTheDocumentedValue()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum (with end-around carry) to ddf2.
        final byte[] bytes = {0x00, 0x01, (byte)0xf2, 0x03, (byte)0xf4, (byte)0xf5, (byte)0xf6, (byte)0xf7};
        assertEquals(~0xddf2 & 0xffff, Checksums.fold(Checksums.sum(MemorySegment.ofArray(bytes), 0, 8)));
    }

    @Test
    void agreesWithAWordAtATimeChecksumForEveryLengthAndAlignment()
    {
        final SplittableRandom random = new SplittableRandom(1071);
        final byte[] bytes = new byte[1600];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)random.nextInt();
        }
        final MemorySegment memory = MemorySegment.ofArray(bytes);
        for (int offset = 0; offset < 9; offset++)
        {
            for (int length = 0; length < 1590; length = length < 300 ? length + 1 : length + 97)
            {
                final byte[] range = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
                assertEquals(FrameBuilder.checksum(range), Checksums.fold(Checksums.sum(memory, offset, length)),
                    "offset " + offset + " length " + length);
            }
        }
        final byte[] ones = new byte[1500];
        java.util.Arrays.fill(ones, (byte)0xff);
        assertEquals(FrameBuilder.checksum(ones), Checksums.fold(Checksums.sum(MemorySegment.ofArray(ones), 0, 1500)));
    }

    @Test
    void pseudoHeadersMatchTheirByteLayout()
    {
        final byte[] s4 = FrameBuilder.address("192.0.2.1", 4);
        final byte[] d4 = FrameBuilder.address("198.51.100.255", 4);
        final MemorySegment a4 = MemorySegment.ofArray(s4);
        final MemorySegment b4 = MemorySegment.ofArray(d4);
        assertEquals(FrameBuilder.checksum(FrameBuilder.pseudoHeader(s4, d4, 17, 1234)),
            Checksums.fold(Checksums.ipv4PseudoHeaderSum(a4.get(NetworkBytes.U32, 0), b4.get(NetworkBytes.U32, 0), 17, 1234)));

        final byte[] s6 = FrameBuilder.address("2001:db8:ffff::1", 6);
        final byte[] d6 = FrameBuilder.address("fd00:f1c::ffff:ffff", 6);
        final MemorySegment a6 = MemorySegment.ofArray(s6);
        final MemorySegment b6 = MemorySegment.ofArray(d6);
        assertEquals(FrameBuilder.checksum(FrameBuilder.pseudoHeader(s6, d6, 58, 1232)),
            Checksums.fold(Checksums.ipv6PseudoHeaderSum(a6.get(NetworkBytes.U64, 0), a6.get(NetworkBytes.U64, 8),
                b6.get(NetworkBytes.U64, 0), b6.get(NetworkBytes.U64, 8), 58, 1232)));
    }

    @Test
    void builtPacketsVerifyAndIncrementalUpdateMatchesRecomputing()
    {
        final byte[] frame = FrameBuilder.ipv4("10.1.2.3", "10.4.5.6").ttl(64).udp(1, 2).build();
        final MemorySegment memory = MemorySegment.ofArray(frame);
        assertTrue(Checksums.isValid(Checksums.sum(memory, 14, 20)));

        // Decrement the TTL (the TTL/protocol word) and patch the checksum as RFC 1624 does.
        final int oldWord = NetworkBytes.u16(memory, 14 + Ipv4.TTL);
        final int newWord = oldWord - 0x100;
        NetworkBytes.setU16(memory, 14 + Ipv4.TTL, newWord);
        final int patched = Checksums.update16(Ipv4.checksum(memory, 14), oldWord, newWord);
        NetworkBytes.setU16(memory, 14 + Ipv4.CHECKSUM, 0);
        assertEquals(Checksums.fold(Checksums.sum(memory, 14, 20)), patched);
    }

    @Test
    void foldHandlesSumsWithManyCarries()
    {
        assertEquals(0, Checksums.fold(0xffffL));
        assertEquals(0xffff, Checksums.fold(0));
        assertEquals(0, Checksums.fold(0xffff_ffff_ffffL));
        assertEquals(~0x0001 & 0xffff, Checksums.fold(0x1_0000L));
    }
}
