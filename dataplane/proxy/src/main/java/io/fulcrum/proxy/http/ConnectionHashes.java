package io.fulcrum.proxy.http;

import java.net.InetAddress;

/** The hashes a scheduler picks by: the client's address alone (ip-hash) and the connection's 4-tuple (maglev). */
final class ConnectionHashes
{
    private ConnectionHashes()
    {
    }

    static long client(final InetAddress address)
    {
        return mix(bytesHash(address.getAddress()));
    }

    static long flow(final InetAddress client, final int clientPort, final InetAddress local, final int localPort)
    {
        long hash = bytesHash(client.getAddress());
        hash = hash * 31 + bytesHash(local.getAddress());
        hash = hash * 31 + ((long)clientPort << 16 | localPort);
        return mix(hash);
    }

    private static long bytesHash(final byte[] bytes)
    {
        long hash = 1125899906842597L;
        for (final byte b : bytes)
        {
            hash = hash * 31 + (b & 0xff);
        }
        return hash;
    }

    /** SplitMix64's finaliser: neighbouring addresses land far apart. */
    private static long mix(final long value)
    {
        long z = value * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
