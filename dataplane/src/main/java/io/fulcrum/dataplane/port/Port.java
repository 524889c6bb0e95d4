package io.fulcrum.dataplane.port;

import io.fulcrum.dataplane.stats.DropReason;

/**
 * Where frames enter and leave the data plane: the in-memory port for tests and replay, AF_PACKET and AF_XDP for
 * real interfaces. A port is driven by exactly one worker thread; nothing here is thread-safe.
 *
 * <p>The contract is a receive/complete pair, as with an AF_XDP socket: {@link #receive} lends frames that live in
 * the port's memory; {@link #complete} takes them all back, sending those marked {@link Verdict#TRANSMIT}, giving
 * those marked {@link Verdict#PASS} to the host stack, and releasing the rest.
 */
public interface Port extends AutoCloseable
{
    /** The interface (or test port) name, for logs and counters. */
    String name();

    /** Largest IP packet (without the Ethernet header) this port may send. */
    int mtu();

    /** The port's own Ethernet address, as the low 48 bits of a long (first octet most significant). */
    long macAddress();

    /**
     * True when the port hands up frames for any destination MAC on purpose (replay, tests); the forwarding core then
     * does not filter by destination MAC. A real interface's port returns false: a unicast frame for another MAC (a
     * switch flooding) is not this box's to forward.
     */
    default boolean anyDestination()
    {
        return false;
    }

    /** Fills {@code batch} with up to {@code batch.capacity()} received frames; returns how many. Never blocks. */
    int receive(PacketBatch batch);

    /** Acts on every frame of the batch by its verdict and returns the frames to the port. */
    void complete(PacketBatch batch);

    /**
     * Reads the kernel's drop counts for the port's socket, where it keeps them, for the {@link #dropped} calls that
     * follow: one system call for all reasons, so the worker makes it about once a second.
     */
    default void readKernelDrops()
    {
    }

    /**
     * Frames this port lost since it opened for {@code reason}, one of {@link DropReason}'s port reasons (from
     * {@link DropReason#FIRST_PORT_REASON}): its own counts, plus the kernel's as {@link #readKernelDrops} last read
     * them; 0 for a reason the port never drops for.
     */
    default long dropped(final int reason)
    {
        return 0;
    }

    /** Work the port needs outside receive (completion rings, wake-ups); returns the amount done. */
    default int poll()
    {
        return 0;
    }

    @Override
    void close();
}
