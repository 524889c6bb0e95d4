package io.fulcrum.vrrp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.sys.NetDevices;
import io.fulcrum.dataplane.sys.Rtnetlink;

/**
 * One instance as the agent runs it: its state machine ({@link VrrpInstance}) and the output that machine drives on
 * the wire and the host (adverts, the virtual addresses and their announcements, the virtual MAC, the notify
 * program, the listener), its timers and its counters. Used on the agent thread, except the volatile counters and
 * {@link #published}, which any thread reads.
 */
final class RunningInstance implements VrrpInstance.Output, AutoCloseable
{
    /** Announcements of a virtual MAC whose adverts go unicast from the parent: once a minute unless configured. */
    private static final long UNICAST_VIRTUAL_MAC_REFRESH_NANOS = 60_000_000_000L;

    final VrrpSettings settings;
    /** The state machine; the agent thread drives it. */
    final VrrpInstance machine;
    private final AdvertChannel channel;
    private final VrrpListener listener;
    private final NotifyPrograms notifier;
    private final InstanceTracker tracker;
    private final VipOwner owner;
    /** Null without a virtual MAC. */
    private final VirtualMac virtualMac;
    private final InetAddress primary;
    private final long primaryHi;
    private final long primaryLo;
    private final long[] addressesHi;
    private final long[] addressesLo;
    private final long[] peersHi;
    private final long[] peersLo;
    private final long announceRepeatNanos;
    private final long announceRefreshNanos;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment advertBuffer = arena.allocate(AdvertCodec.MAX_LENGTH, 8);
    /** Drops of adverts for this instance (its own looped back, an unknown unicast peer). */
    private final RejectCounts rejected = new RejectCounts();
    volatile VrrpState published = VrrpState.INITIALIZE;
    private volatile long sent;
    private volatile long received;
    private volatile long sendErrors;
    private volatile long becameMaster;
    private volatile long announcements;
    private long nextAnnounce = Long.MAX_VALUE;
    /** The deadline of the timer being run and when it ran (0: no timer running): for the takeover log line. */
    private long timerDue;
    private long timerRan;
    private long lastCounterAnnounce = System.nanoTime() - Long.MAX_VALUE / 2;

    /**
     * Opens what the instance needs on {@code channel}'s interface (the virtual MAC's macvlan, the announcing
     * socket) in the calling thread's network namespace; throws, having closed what it opened, when it cannot.
     */
    RunningInstance(final VrrpSettings settings, final AdvertChannel channel, final Rtnetlink rtnetlink,
        final VrrpListener listener, final NotifyPrograms notifier, final InstanceTracker tracker)
    {
        this.settings = settings;
        this.channel = channel;
        this.listener = listener;
        this.notifier = notifier;
        this.tracker = tracker;
        primary = settings.sourceAddress() != null ? settings.sourceAddress() : primaryAddress(settings);
        primaryHi = IpAddresses.hi(primary);
        primaryLo = IpAddresses.lo(primary);
        final List<InetAddress> advertised =
            settings.advertisedAddresses().stream().map(VirtualAddress::address).toList();
        addressesHi = his(advertised);
        addressesLo = los(advertised);
        peersHi = his(settings.unicastPeers());
        peersLo = los(settings.unicastPeers());
        announceRepeatNanos = settings.garpRepeatDelay().toNanos();
        // Unicast adverts leave from the parent (see sendTo), so with the virtual MAC only announcements teach the
        // switch where it lives: refreshed well inside a switch's usual 5-minute ageing unless configured.
        announceRefreshNanos = settings.garpRefresh().isZero() && settings.useVirtualMac() && settings.unicast()
            ? UNICAST_VIRTUAL_MAC_REFRESH_NANOS : settings.garpRefresh().toNanos();
        final int parentIfIndex = channel.socket.ifIndex();
        virtualMac = settings.useVirtualMac() ? VirtualMac.create(rtnetlink, settings, parentIfIndex, listener) : null;
        try
        {
            // With a virtual MAC the addresses go on the macvlan and are announced from the virtual MAC through
            // the parent (the macvlan is down until the first announcement is out: see VirtualMac.up).
            owner = virtualMac != null
                ? new VipOwner(settings.name(), rtnetlink, virtualMac.ifIndex(), parentIfIndex, virtualMac.address(),
                    settings.virtualAddresses(), primaryHi, primaryLo)
                : new VipOwner(settings.name(), rtnetlink, parentIfIndex, parentIfIndex,
                    NetDevices.macAddress(settings.interfaceName()), settings.virtualAddresses(), primaryHi,
                    primaryLo);
        }
        catch (final RuntimeException e)
        {
            if (virtualMac != null)
            {
                virtualMac.close();
            }
            arena.close();
            throw e;
        }
        machine = new VrrpInstance(settings.name(), settings.priority(), settings.advertIntervalCs(),
            settings.preempt(), settings.preemptDelay().toNanos(), primaryHi, primaryLo, System::nanoTime, this);
    }

    /** The advert's VRID is this instance's: drops it if it is its own or from no configured peer, else runs it. */
    void advertReceived(final Advert advert)
    {
        if (advert.sourceHi() == primaryHi && advert.sourceLo() == primaryLo)
        {
            reject(AdvertReject.OWN);
        }
        else if (settings.unicast() && !isPeer(advert.sourceHi(), advert.sourceLo()))
        {
            reject(AdvertReject.UNKNOWN_PEER);
        }
        else
        {
            received++;
            machine.advertReceived(advert);
        }
    }

    /** The earliest of the state machine's timer and the next announcement; Long.MAX_VALUE for none. */
    long nextDeadlineNanos()
    {
        return Math.min(machine.nextDeadlineNanos(), nextAnnounce);
    }

    /** Whether a Backup's Master_Down_Timer has expired: a takeover is due unless an advert is waiting. */
    boolean masterDownDue(final long now)
    {
        final long timer = machine.nextDeadlineNanos();
        return timer != Long.MAX_VALUE && now - timer >= 0 && machine.state() == VrrpState.BACKUP;
    }

    /** Runs the state machine's timer and the repeated or periodic announcement when they are due. */
    void runDue(final long now)
    {
        final long timer = machine.nextDeadlineNanos();
        if (timer != Long.MAX_VALUE && now - timer >= 0)
        {
            timerDue = timer;
            timerRan = now;
            machine.runTimers();
            timerDue = 0;
        }
        if (nextAnnounce != Long.MAX_VALUE && now - nextAnnounce >= 0)
        {
            owner.announce(settings.garpCount());
            announcements = owner.announcementsSent();
            nextAnnounce = announceRefreshNanos > 0 ? now + announceRefreshNanos : Long.MAX_VALUE;
        }
    }

    VrrpCounters counters()
    {
        final long[] rejects = new long[AdvertReject.CODES];
        for (int code = 0; code < AdvertReject.CODES; code++)
        {
            rejects[code] = channel.rejected.get(code) + rejected.get(code);
        }
        return new VrrpCounters(sent, received, sendErrors, becameMaster, announcements, rejects);
    }

    private boolean isPeer(final long hi, final long lo)
    {
        for (int i = 0; i < peersHi.length; i++)
        {
            if (peersHi[i] == hi && peersLo[i] == lo)
            {
                return true;
            }
        }
        return false;
    }

    private void reject(final int code)
    {
        final long count = rejected.add(code);
        if (RejectCounts.worthLogging(count))
        {
            VrrpAgent.LOG.log(System.Logger.Level.WARNING, "({0}) dropped an advert: {1} ({2} so far)",
                settings.name(), AdvertReject.name(code), count);
        }
    }

    @Override
    public void sendAdvert(final int priority)
    {
        if (!settings.unicast())
        {
            sendTo(priority, settings.family() == 4 ? 0 : AdvertCodec.GROUP_V6_HI,
                settings.family() == 4 ? AdvertCodec.GROUP_V4_LO : AdvertCodec.GROUP_V6_LO);
            return;
        }
        for (int i = 0; i < peersHi.length; i++)
        {
            sendTo(priority, peersHi[i], peersLo[i]);
        }
    }

    /** Builds the advert for one destination (the checksum's pseudo-header covers it) and sends it. */
    private void sendTo(final int priority, final long destinationHi, final long destinationLo)
    {
        final int length = AdvertCodec.build(advertBuffer, 0, settings.family(), settings.vrid(), priority,
            settings.advertIntervalCs(), addressesHi, addressesLo, addressesHi.length, primaryHi, primaryLo,
            destinationHi, destinationLo);
        if (virtualMac != null && virtualMac.held() && !settings.unicast())
        {
            // From the virtual MAC, so that switches keep it on this port; the parent's socket only if that fails
            // (the peer must hear the master even when the macvlan misbehaves, or both become master). Not to a
            // unicast peer: the macvlan would resolve the peer by ARP with a VIP as its sender address, which a
            // peer holding the same VIP (both master for a moment) drops as a martian: it never answers, the
            // adverts never leave and both stay master (seen in TrackingTest).
            final long result =
                virtualMac.send(advertBuffer, length, primaryHi, primaryLo, destinationHi, destinationLo);
            count(result);
            if (result > 0)
            {
                return;
            }
        }
        count(channel.socket.send(advertBuffer, length, primaryHi, primaryLo, destinationHi, destinationLo));
    }

    private void count(final long result)
    {
        if (result > 0)
        {
            sent++;
        }
        else
        {
            sendErrors++;
        }
    }

    @Override
    public void addVirtualAddresses()
    {
        final long start = System.nanoTime();
        if (virtualMac != null)
        {
            virtualMac.take();
            owner.add(settings.garpCount(), () -> virtualMac.up(primary));
        }
        else
        {
            owner.add(settings.garpCount(), () -> { });
        }
        announcements = owner.announcementsSent();
        final long now = System.nanoTime();
        takeoverTimes(start, now);
        nextAnnounce = announceRepeatNanos > 0 ? now + announceRepeatNanos
            : announceRefreshNanos > 0 ? now + announceRefreshNanos : Long.MAX_VALUE;
    }

    /**
     * One line per takeover with where the time went, for the failover benchmark: how late the timer ran after its
     * deadline, then how long adding the addresses and announcing them took.
     */
    private void takeoverTimes(final long start, final long end)
    {
        VrrpAgent.LOG.log(System.Logger.Level.INFO, "({0}) takeover: timer ran {1} us late, {2} us to the VIP change,"
            + " first announcement sent in {3} us, addresses added and the virtual MAC link up in {4} us,"
            + " announced again in {5} us",
            settings.name(), timerDue == 0 ? -1 : (timerRan - timerDue) / 1000,
            timerDue == 0 ? -1 : (start - timerRan) / 1000, (owner.firstAnnouncedAt() - start) / 1000,
            (owner.addedAt() - owner.firstAnnouncedAt()) / 1000, (end - owner.addedAt()) / 1000);
    }

    @Override
    public void lowerPriorityAdvertReceived(final int advertPriority)
    {
        // At most once per Master_Down_Interval: a peer that keeps claiming mastership (one-way loss) must not turn
        // every one of its adverts into a burst of announcements.
        final long now = System.nanoTime();
        if (now - lastCounterAnnounce < machine.masterDownIntervalNanos())
        {
            return;
        }
        lastCounterAnnounce = now;
        owner.announce(settings.garpCount());
        announcements = owner.announcementsSent();
        VrrpAgent.LOG.log(System.Logger.Level.INFO, "({0}) heard priority {1} from a router that believes it is"
            + " master: announced the virtual addresses again", settings.name(), advertPriority);
    }

    @Override
    public void removeVirtualAddresses()
    {
        nextAnnounce = Long.MAX_VALUE;
        if (virtualMac != null)
        {
            virtualMac.giveUp();
        }
        owner.remove();
    }

    @Override
    public void stateChanged(final VrrpState from, final VrrpState to, final String reason)
    {
        published = to;
        if (to == VrrpState.MASTER)
        {
            becameMaster++;
        }
        VrrpAgent.LOG.log(to == VrrpState.FAULT ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
            "({0}) Entering {1} STATE ({2})", settings.name(), to.operatorName(), reason);
        notifier.run(settings, to, machine == null ? settings.priority() : machine.priority());
        if (machine != null)
        {
            tracker.followSyncGroup(settings, from, to);
        }
        try
        {
            listener.stateChanged(settings.name(), from, to,
                machine == null ? settings.priority() : machine.priority(), reason);
        }
        catch (final RuntimeException e)
        {
            VrrpAgent.LOG.log(System.Logger.Level.WARNING, "({0}) state listener failed: {1}", settings.name(), e);
        }
    }

    /** Releases the sockets and the macvlan; the virtual addresses stay unless the instance gave them up. */
    @Override
    public void close()
    {
        owner.close();
        arena.close();
        if (virtualMac != null)
        {
            virtualMac.close();
        }
    }

    private static long[] his(final List<InetAddress> addresses)
    {
        return addresses.stream().mapToLong(IpAddresses::hi).toArray();
    }

    private static long[] los(final List<InetAddress> addresses)
    {
        return addresses.stream().mapToLong(IpAddresses::lo).toArray();
    }

    /**
     * The interface's first address of the instance's family that is not a virtual one; for IPv6 its link-local
     * address (RFC 9568 section 5.1.2.1: adverts come from the link-local address). Java reads IPv6 addresses from
     * /proc/net, which follows the process's namespace, so an agent started in another namespace should be given
     * {@link VrrpSettings#sourceAddress} explicitly.
     */
    private static InetAddress primaryAddress(final VrrpSettings settings)
    {
        try
        {
            final NetworkInterface network = NetworkInterface.getByName(settings.interfaceName());
            if (network != null)
            {
                final Set<InetAddress> virtual = new HashSet<>();
                settings.virtualAddresses().forEach(vip -> virtual.add(vip.address()));
                for (final InetAddress address : network.inetAddresses().toList())
                {
                    final boolean family = settings.family() == 4 ? address instanceof Inet4Address
                        : address instanceof Inet6Address && address.isLinkLocalAddress();
                    if (family && !virtual.contains(address))
                    {
                        return address instanceof Inet6Address
                            ? InetAddress.getByAddress(address.getAddress()) : address;
                    }
                }
            }
        }
        catch (final SocketException | UnknownHostException e)
        {
            throw new IllegalStateException(settings.name() + ": cannot read the addresses of "
                + settings.interfaceName() + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(settings.name() + ": " + settings.interfaceName() + " has no "
            + (settings.family() == 4 ? "IPv4" : "IPv6 link-local") + " address to send adverts from;"
            + " set a source address");
    }
}
