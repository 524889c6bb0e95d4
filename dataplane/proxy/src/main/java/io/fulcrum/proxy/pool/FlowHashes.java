package io.fulcrum.proxy.pool;

import io.fulcrum.dataplane.flow.FlowKey;
import io.fulcrum.dataplane.packet.IpAddresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The two hashes a {@link io.fulcrum.dataplane.balance.scheduler.Scheduler} keys on, computed for a proxied
 * connection or session the way the packet core computes them for a flow ({@link FlowKey}: deterministic, no seed).
 */
public final class FlowHashes
{
    public static final int TCP = 6;
    public static final int UDP = 17;

    private FlowHashes()
    {
    }

    /** The hash of the 5-tuple (client, the address it reached, protocol): what {@code maglev} keys on. */
    public static long flow(final InetSocketAddress client, final InetSocketAddress local, final int protocol)
    {
        final InetAddress source = client.getAddress();
        final InetAddress destination = local.getAddress();
        return new FlowKey().set(IpAddresses.hi(source), IpAddresses.lo(source), IpAddresses.hi(destination),
            IpAddresses.lo(destination), client.getPort(), local.getPort(), protocol).hash();
    }

    /** The hash of the client's address alone: what {@code ip-hash} keys on, the same for all its connections. */
    public static long client(final InetSocketAddress client)
    {
        final InetAddress source = client.getAddress();
        return FlowKey.clientHash(IpAddresses.hi(source), IpAddresses.lo(source));
    }
}
