package io.fulcrum.vrrp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One VRRP instance (virtual router) as configured: keepalived's {@code vrrp_instance} in a record. Build one with
 * {@link #builder}; defaults follow RFC 9568 (preempt on, accept mode off, 1 s advertisements) and keepalived
 * (5 gratuitous ARPs on becoming master, again after 5 s).
 *
 * @param name              instance name, used in logs and passed to the notify program
 * @param interfaceName     interface the adverts are sent and received on, and the VIPs are added to
 * @param vrid              virtual router id, 1-255
 * @param priority          1-255; 255 means this router owns the addresses
 * @param advertInterval    Advertisement_Interval, 10 ms to 40.95 s in steps of 10 ms
 * @param virtualAddresses  the VIPs, all of one family; for IPv6 the link-local one is sent first (section 5.2.9)
 * @param preempt           Preempt_Mode
 * @param preemptDelay      after startup, how long a higher priority waits before preempting
 * @param acceptMode        Accept_Mode: false (the default) drops what is addressed to the VIPs for this box itself
 *                          while it is a Master that does not own them (see {@link AcceptModeFilter})
 * @param unicastPeers      empty for multicast (224.0.0.18 / ff02::12); else the peers adverts go to and come from
 * @param sourceAddress     the primary address adverts are sent from, or null for the interface's first address of
 *                          the family (IPv6: its link-local address)
 * @param notifyProgram     a program run as {@code PROGRAM INSTANCE STATE PRIORITY} on every change, or null
 * @param garpCount         gratuitous ARPs / unsolicited neighbour advertisements sent per VIP in each burst
 * @param garpRepeatDelay   a second burst this long after becoming master; zero for none
 * @param garpRefresh       bursts repeated this often while master; zero for never
 * @param useVirtualMac     the RFC's 00-00-5E-00-01-{VRID} MAC through a macvlan (see {@code VirtualMac}); off by
 *                          default; start fails saying so where the kernel refuses a macvlan
 * @param syncGroup         instances with the same sync group name change state together (keepalived's
 *                          vrrp_sync_group): one Master, all Master; one back to Backup, all Backup; one in FAULT,
 *                          all in FAULT. Null for none
 */
public record VrrpSettings(
    String name,
    String interfaceName,
    int vrid,
    int priority,
    Duration advertInterval,
    List<VirtualAddress> virtualAddresses,
    boolean preempt,
    Duration preemptDelay,
    boolean acceptMode,
    List<InetAddress> unicastPeers,
    InetAddress sourceAddress,
    String notifyProgram,
    int garpCount,
    Duration garpRepeatDelay,
    Duration garpRefresh,
    boolean useVirtualMac,
    String syncGroup)
{
    public VrrpSettings
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(interfaceName, "interfaceName");
        if (name.isBlank() || interfaceName.isBlank() || interfaceName.length() > 15)
        {
            throw new IllegalArgumentException("instance needs a name and an interface name of 1-15 characters");
        }
        if (vrid < 1 || vrid > 255)
        {
            throw new IllegalArgumentException(name + ": vrid must be 1..255: " + vrid);
        }
        if (priority < 1 || priority > 255)
        {
            throw new IllegalArgumentException(name + ": priority must be 1..255: " + priority);
        }
        final long millis = advertInterval.toMillis();
        if (millis < 10 || millis > 40_950 || millis % 10 != 0 || advertInterval.toNanos() % 10_000_000 != 0)
        {
            throw new IllegalArgumentException(name + ": advert interval must be 10 ms..40.95 s in steps of 10 ms: "
                + advertInterval);
        }
        virtualAddresses = List.copyOf(virtualAddresses);
        if (virtualAddresses.isEmpty() || virtualAddresses.size() > AdvertCodec.MAX_ADDRESSES)
        {
            throw new IllegalArgumentException(name + ": 1.." + AdvertCodec.MAX_ADDRESSES + " virtual addresses");
        }
        final int family = virtualAddresses.get(0).family();
        for (final VirtualAddress vip : virtualAddresses)
        {
            if (vip.family() != family)
            {
                throw new IllegalArgumentException(name + ": an instance carries one address family; " + vip
                    + " is not IPv" + family + " (use a second instance)");
            }
        }
        unicastPeers = List.copyOf(unicastPeers);
        for (final InetAddress peer : unicastPeers)
        {
            if (familyOf(peer) != family)
            {
                throw new IllegalArgumentException(name + ": unicast peer " + peer.getHostAddress()
                    + " is not IPv" + family);
            }
        }
        if (sourceAddress != null && familyOf(sourceAddress) != family)
        {
            throw new IllegalArgumentException(name + ": source address is not IPv" + family);
        }
        if (preemptDelay.isNegative() || garpRepeatDelay.isNegative() || garpRefresh.isNegative() || garpCount < 0)
        {
            throw new IllegalArgumentException(name + ": negative delay or count");
        }
    }

    /** 4 or 6: the family of the virtual addresses, and so of the adverts. */
    public int family()
    {
        return virtualAddresses.get(0).family();
    }

    /** Advertisement_Interval in centiseconds, as adverts carry it. */
    public int advertIntervalCs()
    {
        return (int)(advertInterval.toMillis() / 10);
    }

    public boolean unicast()
    {
        return !unicastPeers.isEmpty();
    }

    /** The addresses in the order adverts carry them: IPv6 link-local first (RFC 9568 section 5.2.9). */
    public List<VirtualAddress> advertisedAddresses()
    {
        final List<VirtualAddress> ordered = new ArrayList<>();
        for (final VirtualAddress vip : virtualAddresses)
        {
            if (vip.isLinkLocal())
            {
                ordered.add(vip);
            }
        }
        for (final VirtualAddress vip : virtualAddresses)
        {
            if (!vip.isLinkLocal())
            {
                ordered.add(vip);
            }
        }
        return ordered;
    }

    static int familyOf(final InetAddress address)
    {
        return address instanceof java.net.Inet4Address ? 4 : 6;
    }

    public static Builder builder(final String name, final String interfaceName, final int vrid)
    {
        return new Builder(name, interfaceName, vrid);
    }

    /** Collects settings with the defaults described on {@link VrrpSettings}. */
    public static final class Builder
    {
        private final String name;
        private final String interfaceName;
        private final int vrid;
        private int priority = 100;
        private Duration advertInterval = Duration.ofSeconds(1);
        private final List<VirtualAddress> virtualAddresses = new ArrayList<>();
        private boolean preempt = true;
        private Duration preemptDelay = Duration.ZERO;
        private boolean acceptMode;
        private final List<InetAddress> unicastPeers = new ArrayList<>();
        private InetAddress sourceAddress;
        private String notifyProgram;
        private int garpCount = 5;
        private Duration garpRepeatDelay = Duration.ofSeconds(5);
        private Duration garpRefresh = Duration.ZERO;
        private boolean useVirtualMac;
        private String syncGroup;

        private Builder(final String name, final String interfaceName, final int vrid)
        {
            this.name = name;
            this.interfaceName = interfaceName;
            this.vrid = vrid;
        }

        public Builder priority(final int value)
        {
            priority = value;
            return this;
        }

        public Builder advertInterval(final Duration value)
        {
            advertInterval = value;
            return this;
        }

        /** Adds {@code ADDRESS[/PREFIX]} strings. */
        public Builder virtualAddresses(final String... values)
        {
            for (final String value : values)
            {
                virtualAddresses.add(VirtualAddress.parse(value));
            }
            return this;
        }

        public Builder virtualAddress(final VirtualAddress value)
        {
            virtualAddresses.add(value);
            return this;
        }

        public Builder preempt(final boolean value)
        {
            preempt = value;
            return this;
        }

        public Builder preemptDelay(final Duration value)
        {
            preemptDelay = value;
            return this;
        }

        public Builder acceptMode(final boolean value)
        {
            acceptMode = value;
            return this;
        }

        public Builder unicastPeer(final InetAddress value)
        {
            unicastPeers.add(value);
            return this;
        }

        public Builder sourceAddress(final InetAddress value)
        {
            sourceAddress = value;
            return this;
        }

        public Builder notifyProgram(final String value)
        {
            notifyProgram = value;
            return this;
        }

        public Builder garp(final int count, final Duration repeatDelay, final Duration refresh)
        {
            garpCount = count;
            garpRepeatDelay = repeatDelay;
            garpRefresh = refresh;
            return this;
        }

        public Builder useVirtualMac(final boolean value)
        {
            useVirtualMac = value;
            return this;
        }

        public Builder syncGroup(final String value)
        {
            syncGroup = value;
            return this;
        }

        public VrrpSettings build()
        {
            return new VrrpSettings(name, interfaceName, vrid, priority, advertInterval, virtualAddresses, preempt,
                preemptDelay, acceptMode, unicastPeers, sourceAddress, notifyProgram, garpCount, garpRepeatDelay,
                garpRefresh, useVirtualMac, syncGroup);
        }
    }
}
