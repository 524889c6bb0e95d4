package io.fulcrum.proxy.tcp;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What one TCP proxy service counts; every event loop of the service adds to it. */
public final class TcpProxyCounters
{
    final LongAdder accepted = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder noBackend = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder backendFailures = new LongAdder();
    final LongAdder idleTimeouts = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder readPauses = new LongAdder();
    final AtomicInteger active = new AtomicInteger();
    private final Map<Integer, AtomicInteger> activeByBackend = new ConcurrentHashMap<>();

    /** Client connections taken (not counting those refused over the limit). */
    public long accepted()
    {
        return accepted.sum();
    }

    /** Client connections closed at once because the service had {@code maxConnections} open. */
    public long refused()
    {
        return refused.sum();
    }

    /** Client connections closed because no backend takes new work. */
    public long noBackend()
    {
        return noBackend.sum();
    }

    /** Connects to a backend that failed or timed out (each attempt). */
    public long connectFailures()
    {
        return connectFailures.sum();
    }

    /** Connects tried on another backend after a failed one. */
    public long retries()
    {
        return retries.sum();
    }

    /** Established backend connections that failed mid-stream (reset, error): the client's is reset too. */
    public long backendFailures()
    {
        return backendFailures.sum();
    }

    /** Connections closed for having been idle for the idle timeout. */
    public long idleTimeouts()
    {
        return idleTimeouts.sum();
    }

    /** Bytes read from clients (and sent on to backends). */
    public long bytesIn()
    {
        return bytesIn.sum();
    }

    /** Bytes read from backends (and sent on to clients). */
    public long bytesOut()
    {
        return bytesOut.sum();
    }

    /** Times one side stopped being read because the other could not take more (backpressure). */
    public long readPauses()
    {
        return readPauses.sum();
    }

    /** Client connections open now. */
    public int active()
    {
        return active.get();
    }

    /** Backend connections open now, by backend id (those with none are left out). */
    public Map<Integer, Integer> activeByBackend()
    {
        final Map<Integer, Integer> open = new TreeMap<>();
        activeByBackend.forEach((id, count) ->
        {
            final int now = count.get();
            if (now > 0)
            {
                open.put(id, now);
            }
        });
        return open;
    }

    void backendOpened(final int backendId)
    {
        activeByBackend.computeIfAbsent(backendId, id -> new AtomicInteger()).incrementAndGet();
    }

    void backendClosed(final int backendId)
    {
        activeByBackend.get(backendId).decrementAndGet();
    }
}
