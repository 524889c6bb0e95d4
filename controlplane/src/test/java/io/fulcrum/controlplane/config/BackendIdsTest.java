package io.fulcrum.controlplane.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendIdsTest
{
    private static final InetAddress A = IpLiterals.parse("10.0.0.1");
    private static final InetAddress B = IpLiterals.parse("10.0.0.2");
    private static final InetAddress C = IpLiterals.parse("2001:db8::3");
    private static final InetAddress D = IpLiterals.parse("10.0.0.4");

    @TempDir
    Path directory;

    @Test
    void idsSurviveARestartWhoseFirstSightOrderDiffers()
    {
        final Path file = directory.resolve("connections.backend-ids");
        final BackendIds first = BackendIds.load(file);
        assertFalse(first.restored());
        assertEquals(0, first.idOf("web", A));
        assertEquals(1, first.idOf("web", B));
        assertEquals(2, first.idOf("web", C)); // added by a reload

        final BackendIds second = BackendIds.load(file);
        assertTrue(second.restored());
        assertEquals(3, second.size());
        assertEquals(2, second.idOf("web", C)); // now first in the file, still its old id
        assertEquals(0, second.idOf("web", A));
        assertEquals(1, second.idOf("web", B));
        assertEquals(1, second.idOf("web", B));
        assertEquals(3, second.idOf("web", D)); // new ids continue after the largest
        assertEquals(4, second.idOf("api", A)); // the same address in another pool is another backend
        assertEquals(5, BackendIds.load(file).issued());
    }

    @Test
    void theFileNeverShowsAHalfWrittenDirectory() throws IOException
    {
        final Path file = directory.resolve("ids");
        final BackendIds ids = BackendIds.load(file);
        for (int i = 0; i < 50; i++)
        {
            ids.idOf("pool" + i % 3, IpLiterals.parse("10.1.0." + i));
            assertEquals(i + 1, BackendIds.load(file).size());
        }
        assertFalse(Files.exists(directory.resolve("ids.tmp")));
    }

    @Test
    void aFileThatIsNotADirectoryIsRefusedWithItsLine() throws IOException
    {
        final Path file = directory.resolve("ids");
        Files.writeString(file, BackendIds.HEADER + "\n0\tweb\t10.0.0.1\n1\tweb\tnot-an-address\n");
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> BackendIds.load(file));
        assertTrue(refused.getMessage().startsWith(file + ":3: "), refused.getMessage());

        Files.writeString(file, "something else\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackendIds.load(file)).getMessage()
            .startsWith(file + ":1: "));

        Files.writeString(file, BackendIds.HEADER + "\n0\tweb\t10.0.0.1\n0\tweb\t10.0.0.2\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackendIds.load(file)).getMessage()
            .startsWith(file + ":3: "));
    }
}
