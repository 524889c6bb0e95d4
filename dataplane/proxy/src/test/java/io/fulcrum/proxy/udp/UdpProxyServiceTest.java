package io.fulcrum.proxy.udp;

import io.fulcrum.dataplane.balance.scheduler.Candidate;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.OutlierDetector;
import io.fulcrum.proxy.pool.TestPools;
import io.fulcrum.proxy.transport.EventLoops;
import io.fulcrum.proxy.transport.TransportKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpProxyServiceTest
{
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final BackendSet backends = new BackendSet();
    private UdpProxyService service;

    @AfterEach
    void closeAll() throws Exception
    {
        if (service != null)
        {
            service.stop();
        }
        for (int i = opened.size() - 1; i >= 0; i--)
        {
            opened.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void threeClientsStayEachWithTheirBackendUntilTheSessionIdlesOut(final TransportKind kind) throws Exception
    {
        final NamedEcho one = echo("one");
        final NamedEcho two = echo("two");
        TestPools.publish(backends, TestPools::roundRobin, one.address(), two.address());
        start(kind, UdpProxySettings.of("dns", loopback()).withIdleTimeout(Duration.ofSeconds(1)));

        final List<DatagramSocket> clients = List.of(client(), client(), client());
        final List<String> backendOf = new ArrayList<>();
        for (final DatagramSocket client : clients)
        {
            backendOf.add(ask(client, "first").split(":")[0]);
        }
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < clients.size(); i++)
            {
                assertEquals(backendOf.get(i) + ":again " + round, ask(clients.get(i), "again " + round),
                    "client " + i + " stays with its backend");
            }
        }
        assertEquals(Set.of("one", "two"), new HashSet<>(backendOf), "the scheduler spread the clients");
        assertEquals(3, service.counters().sessions());
        assertEquals(9, service.counters().datagramsIn());
        assertEquals(9, service.counters().datagramsOut());
        // Each session is one socket towards its backend: every datagram of a client came from one source port.
        assertEquals(3, one.sources().size() + two.sources().size());
        one.sources().values().forEach(count -> assertEquals(0, count % 3));
        two.sources().values().forEach(count -> assertEquals(0, count % 3));

        await(() -> service.counters().activeSessions() == 0, "the sessions idle out");
        assertEquals(3, service.counters().sessionTimeouts());
        ask(clients.getFirst(), "after the pause");
        assertEquals(4, service.counters().sessions(), "a new datagram opens a new session");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void withoutABackendTheDatagramIsDroppedAndCounted(final TransportKind kind) throws Exception
    {
        start(kind, UdpProxySettings.of("dns", loopback()));
        final DatagramSocket client = client();
        client.setSoTimeout(300);
        assertThrows(SocketTimeoutException.class, () -> ask(client, "anyone?"));
        await(() -> service.counters().noBackend() == 1, "the drop is counted");
        assertEquals(0, service.counters().sessions());
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void anUnreachableBackendEndsTheSessionAndIsEjected(final TransportKind kind) throws Exception
    {
        final BackendSet ejecting = new BackendSet(
            new OutlierDetector.Settings(1, Duration.ofSeconds(30), Duration.ofMinutes(5), 50), System::nanoTime);
        final InetSocketAddress closed;
        try (DatagramSocket gone = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            closed = (InetSocketAddress)gone.getLocalSocketAddress();
        }
        final List<Candidate> candidates = TestPools.publish(ejecting, TestPools::firstTakingWork, closed,
            echo("two").address());
        service = new UdpProxyService(UdpProxySettings.of("dns", loopback()), ejecting);
        service.start(loops(kind));

        final DatagramSocket client = client();
        client.setSoTimeout(300);
        assertThrows(SocketTimeoutException.class, () -> ask(client, "hello"), "the first backend is not there");
        await(() -> service.counters().backendErrors() == 1 && service.counters().activeSessions() == 0,
            "the port unreachable ends the session");
        assertEquals(1, ejecting.ejections().getFirst().backendId());
        assertEquals(0, candidates.getFirst().load().active());

        client.setSoTimeout(5_000);
        assertEquals("two:hello again", ask(client, "hello again"), "the client's retry reaches the other backend");
    }

    @ParameterizedTest
    @EnumSource(value = TransportKind.class, names = {"IO_URING", "EPOLL"})
    void listensOnAVipThisHostDoesNotHoldYet(final TransportKind kind) throws Exception
    {
        // 198.51.100.0/24 (TEST-NET-2) is on no interface here: without IP_FREEBIND the bind fails (EADDRNOTAVAIL).
        final InetSocketAddress vip = new InetSocketAddress(InetAddress.getByName("198.51.100.80"), 0);
        start(kind, UdpProxySettings.of("standby", vip));
        assertEquals(vip.getAddress(), service.localAddress().getAddress());
    }

    private void start(final TransportKind kind, final UdpProxySettings settings)
    {
        service = new UdpProxyService(settings, backends);
        service.start(loops(kind));
    }

    private EventLoops loops(final TransportKind kind)
    {
        final EventLoops loops = EventLoops.open(kind, List.of(-1, -1));
        opened.add(loops);
        return loops;
    }

    private static InetSocketAddress loopback()
    {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private DatagramSocket client() throws IOException
    {
        final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        socket.setSoTimeout(5_000);
        opened.add(socket);
        return socket;
    }

    /** Sends {@code text} to the service and returns the reply, checking it came from the service's address. */
    private String ask(final DatagramSocket client, final String text) throws IOException
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        client.send(new DatagramPacket(bytes, bytes.length, service.localAddress()));
        final DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        client.receive(reply);
        assertEquals(service.localAddress(), reply.getSocketAddress(), "replies come from the listening socket");
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
    }

    private NamedEcho echo(final String name) throws IOException
    {
        final NamedEcho echo = new NamedEcho(name);
        opened.add(echo);
        return echo;
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** A UDP backend that answers "name:datagram" and counts datagrams by source address. */
    private static final class NamedEcho implements AutoCloseable
    {
        private final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        private final Map<InetSocketAddress, Integer> sources = new ConcurrentHashMap<>();

        NamedEcho(final String name) throws IOException
        {
            Thread.ofPlatform().daemon().name("udp-backend-" + name).start(() ->
            {
                final byte[] buffer = new byte[2048];
                while (!socket.isClosed())
                {
                    try
                    {
                        final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        socket.receive(packet);
                        sources.merge((InetSocketAddress)packet.getSocketAddress(), 1, Integer::sum);
                        final byte[] reply = (name + ":" + new String(packet.getData(), 0, packet.getLength(),
                            StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                        socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                    }
                    catch (final IOException e)
                    {
                        return;
                    }
                }
            });
        }

        InetSocketAddress address()
        {
            return (InetSocketAddress)socket.getLocalSocketAddress();
        }

        Map<InetSocketAddress, Integer> sources()
        {
            return sources;
        }

        @Override
        public void close()
        {
            socket.close();
        }
    }
}
