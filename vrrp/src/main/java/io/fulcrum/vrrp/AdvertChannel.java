package io.fulcrum.vrrp;

import io.fulcrum.dataplane.packet.IpAddresses;

/**
 * The receiving socket of one interface and family, shared by the instances on it, and those instances by VRID:
 * one socket per link, as the kernel delivers every VRRP packet of the link to each raw socket bound to it.
 */
final class AdvertChannel
{
    /** Adverts read per call: bounds how long one busy link holds the agent thread from its timers. */
    private static final int RECEIVE_BUDGET = 64;

    final VrrpSocket socket;
    final VridSet vrids = new VridSet();
    private final RunningInstance[] byVrid = new RunningInstance[256];
    /** Drops before an advert could be tied to an instance (bad packet, unknown VRID). */
    final RejectCounts rejected = new RejectCounts();

    AdvertChannel(final VrrpSocket socket)
    {
        this.socket = socket;
    }

    void add(final RunningInstance instance)
    {
        vrids.add(instance.settings.vrid());
        byVrid[instance.settings.vrid()] = instance;
    }

    /** Reads what is queued (up to the budget) and hands each advert to its instance. */
    void receive(final Advert advert)
    {
        for (int budget = 0; budget < RECEIVE_BUDGET; budget++)
        {
            final int code = socket.receive(vrids, advert);
            if (code == VrrpSocket.NOTHING)
            {
                return;
            }
            if (code == AdvertReject.ACCEPTED)
            {
                byVrid[advert.vrid()].advertReceived(advert);
            }
            else
            {
                reject(code);
            }
        }
    }

    private void reject(final int code)
    {
        final long count = rejected.add(code);
        if (RejectCounts.worthLogging(count))
        {
            VrrpAgent.LOG.log(System.Logger.Level.WARNING,
                "VRRP on {0}: dropped an advert from {1}: {2} ({3} so far)", socket.interfaceName(),
                IpAddresses.format(socket.lastSourceHi(), socket.lastSourceLo()), AdvertReject.name(code), count);
        }
    }
}
