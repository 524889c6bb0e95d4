package io.fulcrum.vrrp;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import io.fulcrum.dataplane.sys.NativeException;
import io.fulcrum.dataplane.sys.Rtnetlink;

/**
 * The RFC's virtual MAC (RFC 9568 section 7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6)
 * of one instance, through a macvlan interface, as keepalived's {@code use_vmac}: the macvlan ({@code vrrp.VRID} /
 * {@code vrrp6.VRID}) carries the virtual addresses, the announcements and the adverts (the RFC's Ethernet source
 * for them), so neighbours learn the virtual MAC and switches keep learning its port from every advert; otherwise the
 * switch's entry ages out (5 minutes on Linux bridges) and it floods the VIPs' traffic to every port. The parent
 * gets {@code arp_ignore=1} and {@code arp_announce=2} so that it never ties the virtual addresses to its own MAC.
 *
 * <p>Off by default in {@link VrrpSettings} (the daemon's configuration turns it on by default, as the RFC expects).
 * The listener is told when the instance takes and gives up the addresses ({@link VrrpListener#virtualMacHeld}), so
 * that a data plane that sees the physical port's frames forwards those for the virtual MAC while master. Where the
 * kernel refuses the macvlan (EOPNOTSUPP without CONFIG_MACVLAN), start fails with the kernel's answer, the instance's
 * name and what to do.
 *
 * <p>Used on the agent thread only.
 */
final class VirtualMac implements AutoCloseable
{
    /** asm-generic/errno.h: what RTM_NEWLINK answers for a link kind the kernel does not have. */
    private static final int EOPNOTSUPP = 95;

    private final VrrpSettings settings;
    private final Rtnetlink rtnetlink;
    private final VrrpListener listener;
    private final int ifIndex;
    /** Sends adverts from the virtual MAC while it is held. */
    private final VrrpSocket socket;
    /** Whether the listener was last told the virtual MAC is held (take and give up pair up once each). */
    private boolean held;

    private VirtualMac(final VrrpSettings settings, final Rtnetlink rtnetlink, final VrrpListener listener,
        final int ifIndex, final VrrpSocket socket)
    {
        this.settings = settings;
        this.rtnetlink = rtnetlink;
        this.listener = listener;
        this.ifIndex = ifIndex;
        this.socket = socket;
    }

    /** The virtual router MAC of {@code vrid} for the family, as the low 48 bits of a long. */
    static long address(final int family, final int vrid)
    {
        return (family == 4 ? 0x0000_5e00_0100L : 0x0000_5e00_0200L) | vrid;
    }

    static String interfaceName(final VrrpSettings settings)
    {
        return (settings.family() == 4 ? "vrrp." : "vrrp6.") + settings.vrid();
    }

    /**
     * Creates the macvlan on the instance's interface, in the calling thread's network namespace, down (it is up
     * only while master: see {@link #take}), with its sending socket. Throws {@link IllegalStateException} saying
     * what the kernel refused.
     */
    static VirtualMac create(final Rtnetlink rtnetlink, final VrrpSettings settings, final int parentIfIndex,
        final VrrpListener listener)
    {
        final String name = interfaceName(settings);
        removeStale(rtnetlink, name);
        final int ifIndex;
        try
        {
            // VEPA, not private (keepalived's): a private macvlan takes every multicast frame whose source is its
            // own MAC for its own, looped back, and the parent never sees it; the peer's adverts come from that very
            // MAC, so after a failover the returning master was deaf to the standby and both stayed master.
            ifIndex = rtnetlink.addMacvlan(parentIfIndex, name, address(settings.family(), settings.vrid()),
                Rtnetlink.MACVLAN_MODE_VEPA);
        }
        catch (final NativeException e)
        {
            throw new IllegalStateException(settings.name() + ": useVirtualMac: the kernel refused a macvlan on "
                + settings.interfaceName() + " (" + e.getMessage() + ")"
                + (e.errno() == EOPNOTSUPP ? "; this kernel has no macvlan (CONFIG_MACVLAN)" : "")
                + ". Turn useVirtualMac off: gratuitous ARP moves the addresses without it", e);
        }
        try
        {
            ignoreArpForOtherInterfaces(settings.interfaceName());
            // The macvlan too: an ARP broadcast reaches every macvlan of the parent, and with arp_ignore=0 the IPv6
            // instance's vrrp6.VRID would answer for the IPv4 VIP of vrrp.VRID with its own (wrong) virtual MAC.
            ignoreArpForOtherInterfaces(name);
            rtnetlink.setLinkUp(ifIndex, false);
            return new VirtualMac(settings, rtnetlink, listener, ifIndex,
                VrrpSocket.openSender(name, settings.family()));
        }
        catch (final RuntimeException e)
        {
            rtnetlink.removeLink(ifIndex);
            throw e;
        }
    }

    /** The macvlan's interface index: where the virtual addresses go. */
    int ifIndex()
    {
        return ifIndex;
    }

    long address()
    {
        return address(settings.family(), settings.vrid());
    }

    boolean held()
    {
        return held;
    }

    /**
     * On a takeover, before the first announcement: tells the listener (the data plane) that this box holds the
     * virtual MAC, so that it forwards the frames that announcement draws.
     */
    void take()
    {
        setHeld(true);
    }

    /**
     * Brings the macvlan up, after the first announcement (which leaves from the parent with the virtual MAC as
     * its source): a link coming up is kernel work under the global rtnetlink lock (IPv6 address configuration,
     * multicast joins) that took 0.4 ms usually and 8 ms at times right after the old master's link went down.
     * The macvlan is up only while this box is master. Up on a backup, it could speak from the virtual MAC (an
     * IPv6 MLD report when an address on it goes, for one) and teach the switch that the MAC lives on the backup's
     * port, where nothing forwards it any more (keepalived meets the same with its vmacs).
     */
    void up(final InetAddress primary)
    {
        try
        {
            rtnetlink.setLinkUp(ifIndex, true);
            if (settings.family() == 6)
            {
                // IPv6 adverts leave from the parent's link-local address, which the kernel sends from an
                // interface only if that interface has it (and link-down flushed it): /128, no prefix route.
                rtnetlink.addAddress(ifIndex, primary, 128);
            }
        }
        catch (final RuntimeException e)
        {
            VrrpAgent.LOG.log(System.Logger.Level.WARNING, "({0}) cannot bring the virtual MAC interface up: {1}",
                settings.name(), e.getMessage());
        }
    }

    /**
     * Giving the addresses up: the macvlan goes down first, so that removing an address sends nothing from the
     * virtual MAC, then the listener is told.
     */
    void giveUp()
    {
        if (held)
        {
            try
            {
                rtnetlink.setLinkUp(ifIndex, false);
            }
            catch (final RuntimeException e)
            {
                VrrpAgent.LOG.log(System.Logger.Level.WARNING,
                    "({0}) cannot take the virtual MAC interface down: {1}", settings.name(), e.getMessage());
            }
        }
        setHeld(false);
    }

    private void setHeld(final boolean held)
    {
        if (this.held == held)
        {
            return;
        }
        this.held = held;
        try
        {
            listener.virtualMacHeld(settings.name(), address(), held);
        }
        catch (final RuntimeException e)
        {
            VrrpAgent.LOG.log(System.Logger.Level.WARNING, "({0}) virtual MAC listener failed: {1}", settings.name(),
                e);
        }
    }

    /** Sends an advert from the virtual MAC; the socket's result (positive: sent). */
    long send(final MemorySegment advert, final int length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo)
    {
        return socket.send(advert, length, sourceHi, sourceLo, destinationHi, destinationLo);
    }

    /** Closes the socket and removes the macvlan (the addresses on it go with it). */
    @Override
    public void close()
    {
        socket.close();
        try
        {
            rtnetlink.removeLink(ifIndex);
        }
        catch (final RuntimeException e)
        {
            VrrpAgent.LOG.log(System.Logger.Level.WARNING, "({0}) cannot remove its macvlan: {1}", settings.name(),
                e.toString());
        }
    }

    /**
     * A run killed with SIGKILL leaves its macvlan behind (with the virtual addresses, as a killed keepalived does):
     * the next run takes the name over instead of failing with EEXIST.
     */
    private static void removeStale(final Rtnetlink rtnetlink, final String name)
    {
        final int stale;
        try
        {
            stale = io.fulcrum.dataplane.sys.Libc.ifNameToIndex(name);
        }
        catch (final NativeException e)
        {
            return; // none: the usual case
        }
        System.getLogger(VirtualMac.class.getName()).log(System.Logger.Level.INFO,
            "removing {0} left by an earlier run", name);
        rtnetlink.removeLink(stale);
    }

    /**
     * The parent (and each macvlan) must never tie a virtual address to its own MAC (ip-sysctl.rst): arp_ignore=1,
     * answer only for addresses configured on the interface asked; arp_announce=2, never put a virtual address as
     * the sender of its own ARP requests (replies sent from a virtual address leave through the parent).
     */
    private static void ignoreArpForOtherInterfaces(final String parent)
    {
        sysctl(parent, "arp_ignore", "1");
        sysctl(parent, "arp_announce", "2");
    }

    private static void sysctl(final String parent, final String name, final String value)
    {
        try
        {
            // /proc/sys/net follows the network namespace of the thread that opens it
            Files.writeString(Path.of("/proc/sys/net/ipv4/conf", parent, name), value);
        }
        catch (final IOException e)
        {
            System.getLogger(VirtualMac.class.getName()).log(System.Logger.Level.WARNING,
                "cannot set {0} on {1}: {2}; neighbours may learn its own MAC for the virtual addresses", name,
                parent, e.getMessage());
        }
    }
}
