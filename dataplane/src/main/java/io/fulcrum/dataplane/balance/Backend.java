package io.fulcrum.dataplane.balance;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A real server behind a service, as the control plane publishes it.
 *
 * @param id      stable small integer, unique in the running daemon; the connection table stores it
 * @param address where encapsulated packets are sent
 * @param weight  relative share of new flows (0 takes no new flows)
 * @param state   whether it takes new flows, only established ones, or none
 * @param mac     the next hop's Ethernet address for this backend (low 48 bits), 0 when unresolved
 */
public record Backend(int id, InetAddress address, int weight, BackendState state, long mac)
{
    public Backend
    {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        if (id < 0)
        {
            throw new IllegalArgumentException("backend id must not be negative: " + id);
        }
        if (weight < 0)
        {
            throw new IllegalArgumentException("backend weight must not be negative: " + weight);
        }
    }

    public Backend withState(final BackendState newState)
    {
        return new Backend(id, address, weight, newState, mac);
    }

    public Backend withWeight(final int newWeight)
    {
        return new Backend(id, address, newWeight, state, mac);
    }

    public Backend withMac(final long newMac)
    {
        return new Backend(id, address, weight, state, newMac);
    }
}
