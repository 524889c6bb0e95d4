package io.fulcrum.dataplane.balance;

import java.util.List;

/**
 * The single place the control plane hands a new {@link ForwardingTable} to the workers: a volatile reference, read
 * by each worker once per batch. Publishing is a pointer swap; a worker finishes its batch on the table it started
 * with, so no packet sees half a change.
 */
public final class ForwardingTablePublisher
{
    private volatile ForwardingTable current = ForwardingTable.empty();
    private long nextVersion = 1;

    /** Builds and publishes a table for {@code services}; called from the control thread only. */
    public synchronized ForwardingTable publish(final List<Service> services)
    {
        final ForwardingTable table = ForwardingTable.of(nextVersion++, services);
        current = table;
        return table;
    }

    public ForwardingTable current()
    {
        return current;
    }
}
