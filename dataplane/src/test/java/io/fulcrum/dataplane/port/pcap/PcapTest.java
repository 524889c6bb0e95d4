package io.fulcrum.dataplane.port.pcap;

import io.fulcrum.dataplane.testing.SystemRequirements;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.packet.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapTest
{
    private static final byte[] FIRST = FrameBuilder.ipv4("192.0.2.1", "198.51.100.1").tcp(1, 80, Tcp.SYN).build();
    private static final byte[] SECOND = FrameBuilder.ipv6("2001:db8::1", "2001:db8::2").udp(5, 9999).payload(1400).build();

    @Test
    void framesWrittenAreReadBackWithTheirTimestamps(@TempDir final Path directory) throws IOException
    {
        final Path file = directory.resolve("two.pcap");
        try (PcapWriter writer = new PcapWriter(file))
        {
            writer.write(FIRST, 1_700_000_000_123_456_000L);
            final MemorySegment memory = FrameBuilder.inSlot(SECOND, 100, 0);
            writer.write(memory, 100, SECOND.length, 1_700_000_001_000_001_999L);
        }
        final MemorySegment buffer = MemorySegment.ofArray(new byte[4096]);
        try (PcapReader reader = new PcapReader(file))
        {
            assertEquals(1, reader.linkType());
            assertEquals(FIRST.length, reader.next(buffer, 10, 2048));
            assertArrayEquals(FIRST, buffer.asSlice(10, FIRST.length).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(1_700_000_000_123_456_000L, reader.timestampNanos());
            assertEquals(SECOND.length, reader.next(buffer, 0, 2048));
            assertArrayEquals(SECOND, buffer.asSlice(0, SECOND.length).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(1_700_000_001_000_001_000L, reader.timestampNanos(), "microsecond resolution");
            assertEquals(-1, reader.next(buffer, 0, 2048));
        }
    }

    @Test
    void longerFramesAreTruncatedToTheSpaceGiven(@TempDir final Path directory) throws IOException
    {
        final Path file = directory.resolve("long.pcap");
        try (PcapWriter writer = new PcapWriter(file))
        {
            writer.write(SECOND, 0);
            writer.write(FIRST, 0);
        }
        final MemorySegment buffer = MemorySegment.ofArray(new byte[4096]);
        try (PcapReader reader = new PcapReader(file))
        {
            assertEquals(100, reader.next(buffer, 0, 100));
            assertArrayEquals(Arrays.copyOf(SECOND, 100), buffer.asSlice(0, 100).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(FIRST.length, reader.next(buffer, 0, 2048), "the next frame starts where it should");
            assertArrayEquals(FIRST, buffer.asSlice(0, FIRST.length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void bigEndianNanosecondFilesAreRead(@TempDir final Path directory) throws IOException
    {
        final ByteBuffer file = ByteBuffer.allocate(24 + 16 + FIRST.length).order(ByteOrder.BIG_ENDIAN);
        file.putInt(0xa1b23c4d).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(1);
        file.putInt(1_700_000_000).putInt(123_456_789).putInt(FIRST.length).putInt(FIRST.length).put(FIRST);
        final Path path = directory.resolve("nanos-be.pcap");
        Files.write(path, file.array());
        final MemorySegment buffer = MemorySegment.ofArray(new byte[2048]);
        try (PcapReader reader = new PcapReader(path))
        {
            assertEquals(FIRST.length, reader.next(buffer, 0, 2048));
            assertEquals(1_700_000_000_123_456_789L, reader.timestampNanos());
            assertArrayEquals(FIRST, buffer.asSlice(0, FIRST.length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aFileThatIsNotPcapIsRefusedClearly(@TempDir final Path directory) throws IOException
    {
        final Path text = directory.resolve("notes.txt");
        Files.writeString(text, "these are not the packets you are looking for", StandardCharsets.US_ASCII);
        final IOException notPcap = assertThrows(IOException.class, () -> new PcapReader(text));
        assertTrue(notPcap.getMessage().contains("not a pcap file"), notPcap.getMessage());

        final Path shortFile = directory.resolve("short.pcap");
        Files.write(shortFile, new byte[]{(byte)0xd4, (byte)0xc3});
        assertThrows(IOException.class, () -> new PcapReader(shortFile));

        final Path pcapng = directory.resolve("capture.pcapng");
        Files.write(pcapng, new byte[]{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
            -1, -1, -1, -1, -1, -1, -1, -1, 28, 0, 0, 0});
        final IOException ng = assertThrows(IOException.class, () -> new PcapReader(pcapng));
        assertTrue(ng.getMessage().contains("pcapng"), ng.getMessage());
    }

    @Test
    void aRecordCutShortIsAnError(@TempDir final Path directory) throws IOException
    {
        final Path file = directory.resolve("cut.pcap");
        try (PcapWriter writer = new PcapWriter(file))
        {
            writer.write(SECOND, 0);
        }
        final byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
        try (PcapReader reader = new PcapReader(file))
        {
            assertThrows(IOException.class, () -> reader.next(MemorySegment.ofArray(new byte[2048]), 0, 2048));
        }
    }

    @Test
    void tsharkReadsWhatWeWrite(@TempDir final Path directory) throws Exception
    {
        final Path tshark = SystemRequirements.requireCommand("tshark");
        final Path file = directory.resolve("for-tshark.pcap");
        try (PcapWriter writer = new PcapWriter(file))
        {
            writer.write(FIRST, 1_700_000_000_500_000_000L);
            writer.write(SECOND, 1_700_000_001_000_000_000L);
        }
        final Process process = new ProcessBuilder(tshark.toString(), "-r", file.toString(), "-T", "fields",
            "-e", "frame.len", "-e", "frame.time_epoch", "-e", "frame.protocols").start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.getErrorStream().readAllBytes();
        assertEquals(0, process.waitFor());
        final String[] lines = out.trim().split("\n");
        assertEquals(2, lines.length, out);
        assertTrue(lines[0].startsWith(FIRST.length + "\t1700000000.5"), lines[0]);
        assertTrue(lines[0].endsWith("eth:ethertype:ip:tcp"), lines[0]);
        assertTrue(lines[1].startsWith(SECOND.length + "\t1700000001.0"), lines[1]);
        assertTrue(lines[1].endsWith("eth:ethertype:ipv6:udp:data"), lines[1]);
    }
}
