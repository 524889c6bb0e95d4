package io.fulcrum.controlplane.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The packet path ({@code dataplane}). Replay reads only what changes packets ({@link #mtu}, the connection table,
 * the encapsulation); {@code fulcrum run} reads all of it.
 *
 * @param interfaces      where VIP traffic arrives and encapsulated packets leave (one-arm DSR); empty when the
 *                        file names none, which {@code fulcrum run} refuses and replay does not need
 * @param cores           one CPU per worker to pin it to, in worker order; empty: not pinned
 * @param mtu             egress MTU of the interface encapsulated packets leave by; packets that would exceed it
 *                        after encapsulation get ICMP "too big" replies
 * @param countersFile    the memory-mapped counters file {@code fulcrum stat} reads
 */
public record DataplaneConfig(
    List<String> interfaces,
    PacketIo packetIo,
    int workers,
    List<Integer> cores,
    IdleMode idle,
    int batchSize,
    int mtu,
    ConnectionTableConfig connectionTable,
    EncapsulationConfig encapsulation,
    Path countersFile)
{
    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final int MAX_BATCH_SIZE = 4096;
    public static final int MAX_WORKERS = 1024;
    public static final int DEFAULT_MTU = 1500;
    /** IPv4's minimum reassembly size (RFC 791); IPv6 needs 1280 (RFC 8200 section 5). */
    public static final int MIN_MTU = 576;
    /** The largest jumbo frame common switches pass. */
    public static final int MAX_MTU = 9216;
    public static final Path DEFAULT_COUNTERS_FILE = Path.of("/dev/shm/fulcrum-counters");

    public DataplaneConfig
    {
        interfaces = List.copyOf(interfaces);
        cores = List.copyOf(cores);
        Objects.requireNonNull(packetIo, "packetIo");
        Objects.requireNonNull(idle, "idle");
        Objects.requireNonNull(connectionTable, "connectionTable");
        Objects.requireNonNull(encapsulation, "encapsulation");
        Objects.requireNonNull(countersFile, "countersFile");
        if (workers < 1 || workers > MAX_WORKERS)
        {
            throw new IllegalArgumentException("workers must be 1 to " + MAX_WORKERS + ": " + workers);
        }
        if (!cores.isEmpty() && cores.size() != workers)
        {
            throw new IllegalArgumentException("cores must name one CPU per worker: " + cores + " for " + workers);
        }
    }

    public static DataplaneConfig defaults()
    {
        return new DataplaneConfig(List.of(), PacketIo.AUTO, 1, List.of(), IdleMode.BACKOFF, DEFAULT_BATCH_SIZE,
            DEFAULT_MTU, ConnectionTableConfig.defaults(), EncapsulationConfig.defaults(), DEFAULT_COUNTERS_FILE);
    }
}
