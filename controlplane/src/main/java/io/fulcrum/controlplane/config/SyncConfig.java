package io.fulcrum.controlplane.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * {@code sync:} connection-state sync between the two appliances of a VRRP pair, on a link of their own.
 *
 * @param local             this appliance's sync address and UDP port
 * @param peer              the other appliance's
 * @param key               the shared HMAC key written in the file (hex), or empty when it is in {@code keyFile}
 * @param keyFile           a file whose first line is the key in hex (read when the daemon starts or reloads)
 * @param maxBytesPerSecond bandwidth sync may use
 * @param ringBytes         each worker's change ring and install ring
 * @param retransmitBuffer  datagrams the master keeps for retransmission
 * @param resyncInterval    a full resync this often (zero: only when needed)
 */
public record SyncConfig(InetSocketAddress local, InetSocketAddress peer, Optional<String> key,
    Optional<Path> keyFile, long maxBytesPerSecond, int ringBytes, int retransmitBuffer, Duration resyncInterval)
{
    public static final int MIN_KEY_BYTES = 32;
    public static final long DEFAULT_MAX_BYTES_PER_SECOND = 10_000_000 / 8;
    public static final int DEFAULT_RING_BYTES = 1 << 20;
    public static final int DEFAULT_RETRANSMIT_BUFFER = 1024;
    public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofMinutes(5);

    /** The key's bytes, from the file's text or the key file; refuses a key shorter than {@value #MIN_KEY_BYTES}. */
    public byte[] keyBytes() throws java.io.IOException
    {
        final String hex = key.isPresent() ? key.get()
            : java.nio.file.Files.readAllLines(keyFile.orElseThrow()).stream().findFirst().orElse("").strip();
        final byte[] bytes;
        try
        {
            bytes = HexFormat.of().parseHex(hex);
        }
        catch (final IllegalArgumentException e)
        {
            throw new java.io.IOException("sync key" + keyFile.map(f -> " in " + f).orElse("")
                + " is not hexadecimal");
        }
        if (bytes.length < MIN_KEY_BYTES)
        {
            throw new java.io.IOException("sync key" + keyFile.map(f -> " in " + f).orElse("") + " has "
                + bytes.length + " bytes, at least " + MIN_KEY_BYTES + " are needed");
        }
        return bytes;
    }
}
