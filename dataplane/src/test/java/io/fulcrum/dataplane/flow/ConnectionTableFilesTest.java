package io.fulcrum.dataplane.flow;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.dataplane.packet.IpAddresses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionTableFilesTest
{
    private static final int TCP = 6;
    private static final long VIP = IpAddresses.v4Lo(0xcb00_7107); // 203.0.113.7
    private static final long T0 = 1_000_000_000L;
    private static final int FLOWS = 500;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path directory;

    private final List<String> log = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception
    {
        for (final AutoCloseable closeable : open.reversed())
        {
            closeable.close();
        }
    }

    @Test
    void tableWrittenClosedAndReopenedAnswersTheSameLookups()
    {
        final ConnectionTableFiles first = files(1024);
        final ConnectionTable table = first.table(0);
        fill(table, 0);
        table.close();
        first.close();

        final ConnectionTableFiles second = files(1024);
        final ConnectionTable reopened = track(second.table(0));
        assertEquals(FLOWS, reopened.size());
        assertAllFound(reopened, 0);
        assertTrue(log.stream().anyMatch(line -> line.contains("worker 0: " + FLOWS + " flow(s) restored from")),
            log.toString());
        assertTrue(log.stream().noneMatch(line -> line.contains("did not stop")), "closed cleanly: " + log);
    }

    @Test
    void tableOfAProcessThatNeverClosedItIsRestoredAndSaidSo()
    {
        final ConnectionTableFiles first = files(1024);
        final ConnectionTable table = track(first.table(0)); // stays mapped, as after kill -9: nothing marks it closed
        fill(table, 0);
        first.close();

        final ConnectionTable reopened = track(files(1024).table(0));
        assertAllFound(reopened, 0);
        assertTrue(log.stream().anyMatch(line -> line.contains("did not stop")), log.toString());
    }

    @Test
    void wrongMagicIsSetAsideAndAFreshTableCreated() throws IOException
    {
        writeTable();
        patch(0, new byte[] {'N', 'O', 'T', 'O', 'U', 'R', 'S', '!'});
        assertSetAsideBecause("not a Fulcrum connection table");
    }

    @Test
    void corruptHeaderIsSetAside() throws IOException
    {
        writeTable();
        patch(24, new byte[] {0, 0, 1, 0}); // capacity changed behind the header checksum's back
        assertSetAsideBecause("header checksum mismatch");
    }

    @Test
    void otherLayoutVersionIsSetAside() throws IOException
    {
        writeTable();
        patchHeaderField(8, ConnectionTable.LAYOUT_VERSION + 1);
        assertSetAsideBecause("layout version " + (ConnectionTable.LAYOUT_VERSION + 1));
    }

    @Test
    void otherSlotLayoutIsSetAside() throws IOException
    {
        writeTable();
        patchHeaderField(16, (int)ConnectionTableFile.LAYOUT_CHECKSUM + 1);
        assertSetAsideBecause("slot layout differs");
    }

    @Test
    void truncatedFileIsSetAside() throws IOException
    {
        writeTable();
        try (FileChannel channel = FileChannel.open(tableFile(0), StandardOpenOption.WRITE))
        {
            channel.truncate(ConnectionTableFile.HEADER_LENGTH + 100 * ConnectionTable.SLOT_SIZE);
        }
        assertSetAsideBecause("truncated");
    }

    @Test
    void fileShorterThanTheHeaderIsSetAside() throws IOException
    {
        Files.writeString(tableFile(0), "hello\n");
        assertSetAsideBecause("truncated: 6 bytes");
    }

    @Test
    void foreignFileIsSetAside() throws IOException
    {
        final byte[] foreign = new byte[(int)ConnectionTableFile.length(1024)];
        for (int i = 0; i < foreign.length; i++)
        {
            foreign[i] = (byte)(i * 31 + 7);
        }
        Files.write(tableFile(0), foreign);
        assertSetAsideBecause("not a Fulcrum connection table");
    }

    @Test
    void anotherWorkersTableIsSetAside() throws IOException
    {
        writeTable();
        Files.move(tableFile(0), tableFile(1));
        final ConnectionTableFiles files = files(1024);
        track(files.table(0));
        final ConnectionTable fresh = track(files.table(1));
        assertEquals(0, fresh.size());
        assertTrue(log.stream().anyMatch(line -> line.contains("holds worker 0's table, not worker 1's")),
            log.toString());
    }

    @Test
    void largerCapacityReHomesEveryEntry()
    {
        final ConnectionTableFiles first = files(1024);
        final ConnectionTable table = first.table(0);
        fill(table, 0);
        table.close();
        first.close();

        final ConnectionTableFiles second = files(8192);
        final ConnectionTable bigger = track(second.table(0));
        assertEquals(0, bigger.size());
        assertEquals(FLOWS, second.restore(List.of(bigger)));
        assertEquals(8192, bigger.capacity());
        assertEquals(FLOWS, bigger.size());
        assertAllFound(bigger, 0);
        assertTrue(log.stream().anyMatch(line -> line.contains("re-homed")), log.toString());
    }

    @Test
    void moreWorkersEachGetEveryEntryOfTheEarlierRun()
    {
        final ConnectionTableFiles first = files(4096);
        final ConnectionTable zero = first.table(0);
        final ConnectionTable one = first.table(1);
        fill(zero, 0);
        fill(one, 1);
        zero.close();
        one.close();
        first.close();

        final ConnectionTableFiles second = files(4096);
        final List<ConnectionTable> tables = new ArrayList<>();
        for (int worker = 0; worker < 3; worker++)
        {
            tables.add(track(second.table(worker)));
        }
        second.restore(tables);
        for (final ConnectionTable table : tables)
        {
            assertAllFound(table, 0);
            assertAllFound(table, 1);
        }
        assertTrue(log.stream().anyMatch(line -> line.contains("workers changed from 2 to 3")), log.toString());
    }

    @Test
    void fewerWorkersTakeOverTheTablesOfTheWorkersThatAreGone()
    {
        final ConnectionTableFiles first = files(4096);
        final ConnectionTable zero = first.table(0);
        final ConnectionTable one = first.table(1);
        fill(zero, 0);
        fill(one, 1);
        zero.close();
        one.close();
        first.close();

        final ConnectionTableFiles second = files(4096);
        final ConnectionTable only = track(second.table(0));
        second.restore(List.of(only));
        assertAllFound(only, 0);
        assertAllFound(only, 1);
        assertTrue(log.stream().anyMatch(line -> line.contains("workers changed from 2 to 1")), log.toString());
        assertTrue(Files.notExists(tableFile(1)), "the gone worker's file is not re-homed again at the next start");
    }

    @Test
    void secondDataPlaneOnTheSameTablesIsRefused()
    {
        files(1024);
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> files(1024));
        assertTrue(refused.getMessage().contains("in use by another data plane (pid " + ProcessHandle.current().pid()),
            refused.getMessage());
    }

    @Test
    void distrustedTablesAreDroppedNotRestored()
    {
        final ConnectionTableFiles first = files(1024);
        final ConnectionTable table = first.table(0);
        fill(table, 0);
        table.close();
        first.close();

        final ConnectionTableFiles second = files(1024);
        assertTrue(second.foundTables());
        second.distrust("no backend id directory");
        assertEquals(0, track(second.table(0)).size());
        assertTrue(log.stream().anyMatch(line -> line.contains("dropped: no backend id directory")), log.toString());
    }

    private void assertSetAsideBecause(final String reason) throws IOException
    {
        final ConnectionTable fresh = track(files(1024).table(0));
        assertEquals(0, fresh.size());
        final FlowKey key = key(0, 0);
        fresh.insert(key, key.hash(), 3, T0);
        assertEquals(3, fresh.lookup(key, key.hash(), T0));
        final String line = log.stream().filter(l -> l.contains("set aside")).findFirst().orElse(null);
        assertNotNull(line, log.toString());
        assertTrue(line.contains(reason), line);
        try (Stream<Path> listing = Files.list(directory))
        {
            assertEquals(1, listing.filter(p -> p.getFileName().toString().startsWith("connections.0.corrupt-"))
                .count());
        }
        ConnectionTableFile.validate(tableFile(0), 0); // the new file is a valid table
    }

    private void writeTable()
    {
        final ConnectionTableFiles files = files(1024);
        final ConnectionTable table = files.table(0);
        fill(table, 0);
        table.close();
        files.close();
        open.remove(files);
    }

    private void patch(final long offset, final byte[] bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(tableFile(0), StandardOpenOption.WRITE))
        {
            channel.write(java.nio.ByteBuffer.wrap(bytes), offset);
        }
    }

    /** Changes a header field and fixes the header checksum, as a well-formed file of another build would be. */
    private void patchHeaderField(final long offset, final int value) throws IOException
    {
        final byte[] header = new byte[32];
        try (FileChannel channel = FileChannel.open(tableFile(0), StandardOpenOption.READ))
        {
            channel.read(java.nio.ByteBuffer.wrap(header), 0);
        }
        final MemorySegment segment = MemorySegment.ofArray(header);
        segment.set(INT, offset, value);
        final CRC32C crc = new CRC32C();
        crc.update(header);
        patch(0, header);
        final byte[] checksum = new byte[4];
        MemorySegment.ofArray(checksum).set(INT, 0, (int)crc.getValue());
        patch(32, checksum);
    }

    private ConnectionTableFiles files(final int capacity)
    {
        final ConnectionTableFiles files = ConnectionTableFiles.open(directory.resolve("connections"), capacity,
            Timeouts.DEFAULTS, (type, message) -> log.add(type + ": " + message));
        open.add(files);
        return files;
    }

    private ConnectionTable track(final ConnectionTable table)
    {
        open.add(table);
        return table;
    }

    private Path tableFile(final int worker)
    {
        return directory.resolve("connections." + worker);
    }

    private static void fill(final ConnectionTable table, final int worker)
    {
        for (int i = 0; i < FLOWS; i++)
        {
            final FlowKey key = key(worker, i);
            table.insert(key, key.hash(), backendOf(worker, i), T0);
        }
    }

    private static void assertAllFound(final ConnectionTable table, final int worker)
    {
        for (int i = 0; i < FLOWS; i++)
        {
            final FlowKey key = key(worker, i);
            assertEquals(backendOf(worker, i), table.lookup(key, key.hash(), T0 + 1), key.toString());
        }
    }

    private static FlowKey key(final int worker, final int i)
    {
        return new FlowKey().set(0, IpAddresses.v4Lo(0x0a00_0000 | worker << 16 | i), 0, VIP, 10_000 + i, 443, TCP);
    }

    private static int backendOf(final int worker, final int i)
    {
        return worker * 100 + i % 7;
    }
}
