package io.fulcrum.vrrp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.NativeException;
import io.fulcrum.dataplane.sys.PacketSockets;
import io.fulcrum.dataplane.sys.Rtnetlink;

/**
 * Holds or gives up the virtual addresses of one instance: adds and removes them on the interface through
 * rtnetlink ({@link Rtnetlink#addAddress}, not {@code ip}), and announces them with gratuitous ARP / unsolicited
 * neighbour advertisements through an AF_PACKET socket (protocol 0: it only sends).
 *
 * <p>Accept mode: Linux answers for an address on an interface and delivers what is sent to it, which is Accept_Mode
 * True; {@link AcceptModeFilter} enforces Accept_Mode False.
 */
public final class VipOwner implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(VipOwner.class.getName());

    private final String instance;
    private final Rtnetlink rtnetlink;
    private final int ifIndex;
    private final long mac;
    private final List<VirtualAddress> addresses;
    private final long primaryHi;
    private final long primaryLo;
    private final int packetFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment frame = arena.allocate(128, 8);
    private final MemorySegment capture = Libc.errnoSegment(arena);
    private final MemorySegment linkAddress;
    private long announcementsSent;
    private long addedAt;
    private long firstAnnouncedAt;

    /**
     * The addresses go on interface {@code ifIndex}; announcements, from {@code mac}, leave through
     * {@code announceIfIndex}: the same interface, or the parent of a virtual MAC's macvlan (the frame carries the
     * virtual MAC, so the macvlan need not be up yet).
     */
    public VipOwner(final String instance, final Rtnetlink rtnetlink, final int ifIndex, final int announceIfIndex,
        final long mac, final List<VirtualAddress> addresses, final long primaryHi, final long primaryLo)
    {
        this.instance = instance;
        this.rtnetlink = rtnetlink;
        this.ifIndex = ifIndex;
        this.mac = mac;
        this.addresses = List.copyOf(addresses);
        this.primaryHi = primaryHi;
        this.primaryLo = primaryLo;
        this.packetFd = Libc.socket(PacketSockets.AF_PACKET, PacketSockets.SOCK_RAW | 0x80000, 0);
        this.linkAddress = PacketSockets.sockaddrLl(arena, 0, announceIfIndex);
        warmUp();
    }

    /**
     * Runs the announcement path once without sending (frames built, the sendto call site linked against a closed
     * descriptor), so that a Backup's first takeover does not spend its first milliseconds loading classes and
     * linking method handles: this code runs for the first time exactly when the outage is being counted.
     */
    private void warmUp()
    {
        for (final VirtualAddress vip : addresses)
        {
            Announcements.announce(frame, mac, primaryHi, primaryLo, IpAddresses.hi(vip.address()),
                IpAddresses.lo(vip.address()));
            Libc.sendto(capture, -1, frame, Announcements.MIN_FRAME, 0, linkAddress, PacketSockets.SOCKADDR_LL_SIZE);
        }
    }

    /**
     * Adds every address (one already there is fine) and sends the first {@code announcements}: the first round goes
     * out before the addresses are added, so that neighbours turn to this box while rtnetlink works (about a
     * millisecond per address, more for IPv6); the data plane forwards service traffic whether or not the kernel holds
     * the address yet. {@code beforeAdding} runs between the two (the virtual MAC's macvlan comes up there). The other
     * rounds follow the addition.
     */
    public void add(final int announcements, final Runnable beforeAdding)
    {
        announce(Math.min(1, announcements));
        firstAnnouncedAt = System.nanoTime();
        beforeAdding.run();
        for (final VirtualAddress vip : addresses)
        {
            try
            {
                rtnetlink.addAddress(ifIndex, vip.address(), vip.prefixLength());
            }
            catch (final NativeException e)
            {
                LOG.log(System.Logger.Level.ERROR, "({0}) cannot add {1}: {2}", instance, vip, e.getMessage());
            }
        }
        addedAt = System.nanoTime();
        announce(announcements - 1);
    }

    /** Removes every address; one already gone is fine. */
    public void remove()
    {
        for (final VirtualAddress vip : addresses)
        {
            try
            {
                rtnetlink.removeAddress(ifIndex, vip.address(), vip.prefixLength());
            }
            catch (final NativeException e)
            {
                LOG.log(System.Logger.Level.ERROR, "({0}) cannot remove {1}: {2}", instance, vip, e.getMessage());
            }
        }
    }

    /** Sends {@code count} announcements of each address. */
    public void announce(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            for (final VirtualAddress vip : addresses)
            {
                final long hi = IpAddresses.hi(vip.address());
                final long lo = IpAddresses.lo(vip.address());
                final int length = Announcements.announce(frame, mac, primaryHi, primaryLo, hi, lo);
                final long rc = Libc.sendto(capture, packetFd, frame, length, 0, linkAddress,
                    PacketSockets.SOCKADDR_LL_SIZE);
                if (rc > 0)
                {
                    announcementsSent++;
                }
            }
        }
    }

    /** When {@link #add} had sent its first announcements (System.nanoTime). */
    public long firstAnnouncedAt()
    {
        return firstAnnouncedAt;
    }

    /** When {@link #add} finished adding the addresses (System.nanoTime). */
    public long addedAt()
    {
        return addedAt;
    }

    public long announcementsSent()
    {
        return announcementsSent;
    }

    @Override
    public void close()
    {
        Libc.close(packetFd);
        arena.close();
    }
}
