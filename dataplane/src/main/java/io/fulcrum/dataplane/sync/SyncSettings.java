package io.fulcrum.dataplane.sync;

import java.net.InetSocketAddress;

import org.agrona.BitUtil;

/**
 * Connection-state sync between the two appliances of a pair, as configured ({@code sync:} in the YAML).
 *
 * @param local                   address and UDP port this appliance binds on the sync link
 * @param peer                    the other appliance's sync address and port
 * @param key                     shared HMAC-SHA256 key (at least 32 bytes)
 * @param maxBytesPerSecond       bandwidth the master may use for sync datagrams, retransmissions included
 * @param ringBytes               each worker's change ring and install ring, bytes (a power of two)
 * @param datagramBytes           largest sync datagram (UDP payload)
 * @param retransmitDatagrams     datagrams kept for retransmission on the master (a power of two)
 * @param reorderDatagrams        datagrams the standby holds out of order while it waits for a missing one
 * @param statusIntervalMillis    how often the standby acknowledges (and announces itself) when nothing happens
 * @param retransmitTimeoutMillis unacknowledged for this long, a datagram is sent again
 * @param resyncIntervalMillis    a full resync this often, which refreshes the standby's idle timers (0: never)
 */
public record SyncSettings(
    InetSocketAddress local,
    InetSocketAddress peer,
    byte[] key,
    long maxBytesPerSecond,
    int ringBytes,
    int datagramBytes,
    int retransmitDatagrams,
    int reorderDatagrams,
    long statusIntervalMillis,
    long retransmitTimeoutMillis,
    long resyncIntervalMillis)
{
    public static final long DEFAULT_MAX_BYTES_PER_SECOND = 10_000_000 / 8; // 10 Mbit/s
    public static final int DEFAULT_RING_BYTES = 1 << 20;
    public static final int DEFAULT_DATAGRAM_BYTES = 1400;
    public static final int DEFAULT_RETRANSMIT_DATAGRAMS = 1024;
    public static final int DEFAULT_REORDER_DATAGRAMS = 64;
    public static final long DEFAULT_STATUS_INTERVAL_MILLIS = 100;
    public static final long DEFAULT_RETRANSMIT_TIMEOUT_MILLIS = 200;
    public static final long DEFAULT_RESYNC_INTERVAL_MILLIS = 300_000;

    public SyncSettings
    {
        if (key.length < MessageAuthenticator.MIN_KEY_LENGTH)
        {
            throw new IllegalArgumentException("sync key must have at least 32 bytes, has " + key.length);
        }
        if (maxBytesPerSecond < 10_000)
        {
            throw new IllegalArgumentException("sync bandwidth must be at least 10000 bytes/s: " + maxBytesPerSecond);
        }
        if (datagramBytes < SyncMessage.dataLength(1) || datagramBytes > 65_000)
        {
            throw new IllegalArgumentException("sync datagram size must be in " + SyncMessage.dataLength(1)
                + "..65000: " + datagramBytes);
        }
        if (!BitUtil.isPowerOfTwo(retransmitDatagrams) || !BitUtil.isPowerOfTwo(reorderDatagrams) ||
            !BitUtil.isPowerOfTwo(ringBytes))
        {
            throw new IllegalArgumentException("sync ring size and retransmit and reorder buffers must be powers of two");
        }
        key = key.clone();
    }

    /** The defaults for everything but the link and the key. */
    public static SyncSettings of(final InetSocketAddress local, final InetSocketAddress peer, final byte[] key)
    {
        return new SyncSettings(local, peer, key, DEFAULT_MAX_BYTES_PER_SECOND, DEFAULT_RING_BYTES,
            DEFAULT_DATAGRAM_BYTES, DEFAULT_RETRANSMIT_DATAGRAMS, DEFAULT_REORDER_DATAGRAMS,
            DEFAULT_STATUS_INTERVAL_MILLIS, DEFAULT_RETRANSMIT_TIMEOUT_MILLIS, DEFAULT_RESYNC_INTERVAL_MILLIS);
    }

    public SyncSettings withRetransmitDatagrams(final int datagrams)
    {
        return new SyncSettings(local, peer, key, maxBytesPerSecond, ringBytes, datagramBytes, datagrams,
            reorderDatagrams, statusIntervalMillis, retransmitTimeoutMillis, resyncIntervalMillis);
    }

    public SyncSettings withRingBytes(final int bytes)
    {
        return new SyncSettings(local, peer, key, maxBytesPerSecond, bytes, datagramBytes, retransmitDatagrams,
            reorderDatagrams, statusIntervalMillis, retransmitTimeoutMillis, resyncIntervalMillis);
    }

    public SyncSettings withResyncIntervalMillis(final long millis)
    {
        return new SyncSettings(local, peer, key, maxBytesPerSecond, ringBytes, datagramBytes, retransmitDatagrams,
            reorderDatagrams, statusIntervalMillis, retransmitTimeoutMillis, millis);
    }

    public SyncSettings withMaxBytesPerSecond(final long bytesPerSecond)
    {
        return new SyncSettings(local, peer, key, bytesPerSecond, ringBytes, datagramBytes, retransmitDatagrams,
            reorderDatagrams, statusIntervalMillis, retransmitTimeoutMillis, resyncIntervalMillis);
    }

    /** Records that fit in one datagram. */
    public int recordsPerDatagram()
    {
        return (datagramBytes - SyncMessage.HEADER_LENGTH - MessageAuthenticator.MAC_LENGTH) / SyncRecord.LENGTH;
    }

    /** Off-heap memory sync uses with this many workers: rings, retransmit and reorder buffers. */
    public long memoryBytes(final int workers)
    {
        return 2L * workers * ringBytes + (long)(retransmitDatagrams + reorderDatagrams + 2) * datagramBytes;
    }
}
