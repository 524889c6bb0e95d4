package io.fulcrum.dataplane.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.testing.Netns;
import io.fulcrum.dataplane.testing.SystemRequirements;

class NamespacesTest
{
    @Test
    void aTaskSeesTheInterfacesOfTheNamespaceItRunsIn() throws Exception
    {
        SystemRequirements.requireRoot();
        try (Netns netns = new Netns())
        {
            final String a = netns.namespace("a");
            final String b = netns.namespace("b");
            netns.veth(a, "nsa0", null, b, "nsb0", null);

            assertTrue(Namespaces.runIn(a, () -> Libc.ifNameToIndex("nsa0")) > 0);
            assertThrows(NativeException.class, () -> Namespaces.runIn(a, () -> Libc.ifNameToIndex("nsb0")));
            assertThrows(NativeException.class, () -> Libc.ifNameToIndex("nsa0"), "the caller stays where it was");
        }
    }

    @Test
    void theTaskRunsOnAThreadOfItsOwnAndItsExceptionComesBackUnchanged() throws Exception
    {
        SystemRequirements.requireRoot();
        try (Netns netns = new Netns())
        {
            final String a = netns.namespace("a");
            final Thread caller = Thread.currentThread();
            assertNotEquals(caller, Namespaces.runIn(a, Thread::currentThread));
            final IllegalArgumentException thrown = new IllegalArgumentException("from the task");
            assertSame(thrown, assertThrows(IllegalArgumentException.class, () -> Namespaces.runIn(a, () ->
            {
                throw thrown;
            })));
            final String inode = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            assertNotEquals(inode, Namespaces.runIn(a,
                () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString()));
            assertEquals(inode, Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
        }
    }

    @Test
    void anUnknownNamespaceIsNamedInTheError()
    {
        SystemRequirements.requireRoot();
        final NativeException e = assertThrows(NativeException.class,
            () -> Namespaces.runIn("fulcrum-no-such-namespace", () -> null));
        assertTrue(e.getMessage().contains("fulcrum-no-such-namespace"), e.getMessage());
    }
}
