package io.fulcrum.proxy.udp;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What one UDP proxy service counts; every event loop of the service adds to it. */
public final class UdpProxyCounters
{
    final LongAdder sessions = new LongAdder();
    final AtomicInteger activeSessions = new AtomicInteger();
    final LongAdder sessionTimeouts = new LongAdder();
    final LongAdder datagramsIn = new LongAdder();
    final LongAdder datagramsOut = new LongAdder();
    final LongAdder noBackend = new LongAdder();
    final LongAdder backendErrors = new LongAdder();

    /** Sessions opened (a datagram from a client address without one). */
    public long sessions()
    {
        return sessions.sum();
    }

    /** Sessions open now. */
    public int activeSessions()
    {
        return activeSessions.get();
    }

    /** Sessions ended by the idle timeout. */
    public long sessionTimeouts()
    {
        return sessionTimeouts.sum();
    }

    /** Datagrams from clients. */
    public long datagramsIn()
    {
        return datagramsIn.sum();
    }

    /** Datagrams sent back to clients. */
    public long datagramsOut()
    {
        return datagramsOut.sum();
    }

    /** Datagrams dropped because no backend takes new work. */
    public long noBackend()
    {
        return noBackend.sum();
    }

    /** Sessions ended by an error from the backend's side (ICMP port unreachable, above all). */
    public long backendErrors()
    {
        return backendErrors.sum();
    }
}
