package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.transport.EventLoops;
import io.fulcrum.proxy.transport.TransportKind;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** A proxy on two event loops of one transport, listening on loopback, and the backends a test made. */
final class ProxyFixture implements AutoCloseable
{
    final RecordedOutcomes outcomes = new RecordedOutcomes();
    private final List<TestBackend> backends = new ArrayList<>();
    private final TransportKind kind;
    private EventLoops loops;
    private HttpProxyService proxy;

    ProxyFixture(final TransportKind kind)
    {
        this.kind = kind;
    }

    TestBackend backend(final String name)
    {
        final TestBackend backend = new TestBackend(name);
        backends.add(backend);
        return backend;
    }

    /** An address nothing listens on: connects are refused. */
    static InetSocketAddress refusingAddress() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        }
    }

    HttpProxyService start(final BackendSet defaultBackends)
    {
        return start(defaultBackends, UnaryOperator.identity());
    }

    HttpProxyService start(final BackendSet defaultBackends, final UnaryOperator<HttpProxySettings> adjust)
    {
        loops = EventLoops.open(kind, List.of(-1, -1));
        final HttpProxySettings settings = adjust.apply(HttpProxySettings.of("test",
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), defaultBackends));
        proxy = new HttpProxyService(settings, outcomes);
        proxy.start(loops);
        return proxy;
    }

    String url(final String path)
    {
        return "http://127.0.0.1:" + proxy.localAddress().getPort() + path;
    }

    InetSocketAddress address()
    {
        return proxy.localAddress();
    }

    HttpProxyCounters counters()
    {
        return proxy.counters();
    }

    /** Waits up to 5 s for {@code condition}. */
    static void eventually(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close()
    {
        if (proxy != null)
        {
            proxy.stop();
        }
        if (loops != null)
        {
            loops.close();
        }
        backends.forEach(TestBackend::close);
    }
}
