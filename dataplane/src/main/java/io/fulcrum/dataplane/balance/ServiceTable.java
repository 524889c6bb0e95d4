package io.fulcrum.dataplane.balance;

import io.fulcrum.dataplane.packet.IpAddresses;

import java.util.Arrays;
import java.util.List;

/**
 * Which service a packet is for: (VIP, port, protocol) to the service's index in the list it was built from.
 * Immutable; lookups allocate nothing (small open-addressing tables over primitive arrays).
 */
public final class ServiceTable
{
    public static final int NO_SERVICE = -1;

    private static final int AMBIGUOUS = -2;

    private final List<Service> services;
    private final AddressIndex byVipPortProtocol;
    private final AddressIndex byVipProtocol;
    private final AddressIndex byVip;

    /** @throws IllegalArgumentException when two services have the same VIP, port and protocol */
    public ServiceTable(final List<Service> services)
    {
        this.services = List.copyOf(services);
        final int n = this.services.size();
        byVipPortProtocol = new AddressIndex(n);
        byVipProtocol = new AddressIndex(n);
        byVip = new AddressIndex(n);
        for (int i = 0; i < n; i++)
        {
            final Service service = this.services.get(i);
            final long hi = IpAddresses.hi(service.vip());
            final long lo = IpAddresses.lo(service.vip());
            final int previous = byVipPortProtocol.get(hi, lo, portProtocol(service.port(), service.protocol()));
            if (previous != AddressIndex.MISSING)
            {
                throw new IllegalArgumentException("services " + this.services.get(previous).name() + " and " +
                    service.name() + " both listen on " + service.vip().getHostAddress() + " port " + service.port() +
                    " protocol " + service.protocol());
            }
            byVipPortProtocol.put(hi, lo, portProtocol(service.port(), service.protocol()), i);
            final boolean shared = byVipProtocol.get(hi, lo, service.protocol()) != AddressIndex.MISSING;
            byVipProtocol.put(hi, lo, service.protocol(), shared ? AMBIGUOUS : i);
            byVip.put(hi, lo, 0, i);
        }
    }

    /** The index of the service for this destination, or {@link #NO_SERVICE}. */
    public int match(final long dstHi, final long dstLo, final int dstPort, final int protocol)
    {
        final int index = byVipPortProtocol.get(dstHi, dstLo, portProtocol(dstPort, protocol));
        return index < 0 ? NO_SERVICE : index;
    }

    /** Whether any service has this VIP (so a packet to it that matches no service is ours to drop or answer). */
    public boolean isVip(final long dstHi, final long dstLo)
    {
        return byVip.get(dstHi, dstLo, 0) != AddressIndex.MISSING;
    }

    /**
     * For a non-first IP fragment, which carries no ports: the index of the only service with this VIP and protocol,
     * or {@link #NO_SERVICE} when there is none or more than one (the port would be needed to choose).
     */
    public int matchFragment(final long dstHi, final long dstLo, final int protocol)
    {
        final int index = byVipProtocol.get(dstHi, dstLo, protocol & 0xff);
        return index < 0 ? NO_SERVICE : index;
    }

    /** The services, in the order whose indices {@link #match} returns. */
    public List<Service> services()
    {
        return services;
    }

    public int size()
    {
        return services.size();
    }

    private static int portProtocol(final int port, final int protocol)
    {
        return (port & 0xffff) << 8 | (protocol & 0xff);
    }

    /** (hi, lo, extra) to a non-negative int or {@link #AMBIGUOUS}; linear probing, at most half full, no removal. */
    private static final class AddressIndex
    {
        static final int MISSING = Integer.MIN_VALUE;

        private final long[] his;
        private final long[] los;
        private final int[] extras;
        private final int[] values;
        private final int mask;

        AddressIndex(final int entries)
        {
            final int capacity = Integer.highestOneBit(Math.max(2, entries) * 2 - 1) << 1;
            his = new long[capacity];
            los = new long[capacity];
            extras = new int[capacity];
            values = new int[capacity];
            Arrays.fill(values, MISSING);
            mask = capacity - 1;
        }

        int get(final long hi, final long lo, final int extra)
        {
            int i = home(hi, lo, extra);
            while (true)
            {
                final int value = values[i];
                if (value == MISSING || (los[i] == lo && his[i] == hi && extras[i] == extra))
                {
                    return value;
                }
                i = (i + 1) & mask;
            }
        }

        void put(final long hi, final long lo, final int extra, final int value)
        {
            int i = home(hi, lo, extra);
            while (values[i] != MISSING && !(los[i] == lo && his[i] == hi && extras[i] == extra))
            {
                i = (i + 1) & mask;
            }
            his[i] = hi;
            los[i] = lo;
            extras[i] = extra;
            values[i] = value;
        }

        private int home(final long hi, final long lo, final int extra)
        {
            long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL ^ extra * 0x165667B19E3779F9L;
            h ^= h >>> 29;
            h *= 0xBF58476D1CE4E5B9L;
            h ^= h >>> 32;
            return (int)h & mask;
        }
    }
}
