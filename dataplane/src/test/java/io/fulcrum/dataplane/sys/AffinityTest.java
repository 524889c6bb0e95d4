package io.fulcrum.dataplane.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class AffinityTest
{
    @Test
    void pinnedThreadIsAllowedOnlyItsCoreAsTheKernelReportsIt() throws Exception
    {
        final AtomicReference<String> allowed = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                Affinity.pinCurrentThread(0);
                allowed.set(cpusAllowed());
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        thread.start();
        thread.join();
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertEquals("0", allowed.get());
    }

    @Test
    void pinningToACoreThatDoesNotExistFailsWithTheKernelsReason()
    {
        final NativeException error = assertThrows(NativeException.class, () -> Affinity.pinCurrentThread(1000));
        assertEquals(22, error.errno()); // EINVAL: the mask names no online CPU
    }

    /** The kernel's view of the calling thread, from /proc/thread-self/status. */
    private static String cpusAllowed() throws Exception
    {
        for (final String line : Files.readAllLines(Path.of("/proc/thread-self/status")))
        {
            if (line.startsWith("Cpus_allowed_list:"))
            {
                return line.substring("Cpus_allowed_list:".length()).trim();
            }
        }
        throw new AssertionError("no Cpus_allowed_list in /proc/thread-self/status");
    }
}
