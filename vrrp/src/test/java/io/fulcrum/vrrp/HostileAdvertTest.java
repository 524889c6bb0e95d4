package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.sys.RawSockets;

/**
 * A master of priority 200 is sent priority-255 adverts that break one receive rule each (RFC 9568 section 7.1):
 * none may change its state, and each is counted under its reason. A last, well-formed one shows that the forged
 * adverts did reach it.
 */
class HostileAdvertTest
{
    private static final int VRID = 51;
    private static final long WAIT_MS = 3_000;

    /** Sends hand-made adverts from another namespace, through the same raw socket class the agent uses. */
    private static final class Forger implements AutoCloseable
    {
        private final VrrpSocket socket;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment buffer = arena.allocate(AdvertCodec.MAX_LENGTH, 8);
        private final long source;

        Forger(final String ns, final String source) throws Exception
        {
            socket = Namespaces.runIn(ns, () -> VrrpSocket.open("eth0", 4, false));
            this.source = IpAddresses.v4Lo(v4(source));
        }

        void ttl(final int ttl)
        {
            Libc.setsockoptInt(socket.fd(), RawSockets.IPPROTO_IP, RawSockets.IP_MULTICAST_TTL, ttl, "ttl");
            Libc.setsockoptInt(socket.fd(), RawSockets.IPPROTO_IP, RawSockets.IP_TTL, ttl, "ttl");
        }

        /** A well-formed priority-255 advert for {@code vip}; returns its length, the bytes are in {@link #buffer}. */
        int build(final int vrid, final String vip, final long destination)
        {
            return AdvertCodec.build(buffer, 0, 4, vrid, 255, 10, new long[]{0},
                new long[]{IpAddresses.v4Lo(v4(vip))}, 1, 0, source, 0, destination);
        }

        void send(final int length, final long destination)
        {
            assertTrue(socket.send(buffer, length, 0, source, 0, destination) > 0, "forged advert sent");
        }

        @Override
        public void close()
        {
            socket.close();
            arena.close();
        }
    }

    private static int v4(final String address)
    {
        try
        {
            final byte[] bytes = InetAddress.getByName(address).getAddress();
            return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | bytes[3] & 0xff;
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalArgumentException(e);
        }
    }

    private static VrrpSettings master(final VrrpLab lab, final boolean unicastToPeer2) throws Exception
    {
        final VrrpSettings.Builder builder = VrrpSettings.builder("M", "eth0", VRID)
            .priority(200)
            .advertInterval(Duration.ofMillis(100))
            .virtualAddresses(lab.vip(1) + "/24")
            .sourceAddress(InetAddress.getByName(lab.ipv4(1)))
            .garp(1, Duration.ZERO, Duration.ZERO);
        if (unicastToPeer2)
        {
            builder.unicastPeer(InetAddress.getByName(lab.ipv4(2)));
        }
        return builder.build();
    }

    private static void assertRejectedAndStillMaster(final VrrpAgent agent, final int code)
    {
        assertTrue(VrrpLab.await(() -> agent.counters("M").rejected(code) >= 1, WAIT_MS) >= 0,
            "counted as " + AdvertReject.name(code) + ": " + agent.counters("M"));
        assertEquals(VrrpState.MASTER, agent.state("M"));
        assertEquals(1, agent.counters("M").becameMaster());
    }

    @Test
    void malformedAdvertsOfHigherPriorityChangeNothingAndAreCountedByReason() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String m = lab.appliance(1);
            final String c = lab.appliance(3);
            try (VrrpAgent agent = VrrpAgent.start(List.of(master(lab, false)), VrrpListener.NONE, m);
                 Forger forger = new Forger(c, lab.ipv4(3)))
            {
                assertTrue(VrrpLab.await(() -> agent.state("M") == VrrpState.MASTER, 5_000) >= 0);
                final long group = AdvertCodec.GROUP_V4_LO;

                forger.ttl(254);
                forger.send(forger.build(VRID, lab.vip(1), group), group);
                assertRejectedAndStillMaster(agent, AdvertReject.TTL);
                forger.ttl(255);

                int length = forger.build(VRID, lab.vip(1), group);
                forger.buffer.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 7,
                    (byte)(forger.buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 7) ^ 0x5a));
                forger.send(length, group);
                assertRejectedAndStillMaster(agent, AdvertReject.CHECKSUM);

                forger.send(forger.build(VRID + 1, lab.vip(1), group), group);
                assertRejectedAndStillMaster(agent, AdvertReject.VRID);

                length = forger.build(VRID, lab.vip(1), group);
                forger.buffer.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte)0x21);
                forger.send(length, group);
                assertRejectedAndStillMaster(agent, AdvertReject.VERSION);

                length = forger.build(VRID, lab.vip(1), group);
                forger.send(length - 2, group);
                assertRejectedAndStillMaster(agent, AdvertReject.TRUNCATED);

                // the control: a well-formed advert of priority 255 does make it step down
                forger.send(forger.build(VRID, lab.vip(1), group), group);
                assertTrue(VrrpLab.await(() -> agent.state("M") == VrrpState.BACKUP, WAIT_MS) >= 0,
                    "a well-formed higher priority is obeyed: " + agent.state("M"));
            }
        }
    }

    @Test
    void inUnicastModeAnAdvertFromOutsideThePeersOrWithTtl254IsIgnoredAndCounted() throws Exception
    {
        try (VrrpLab lab = new VrrpLab())
        {
            final String m = lab.appliance(1);
            final String peer = lab.appliance(2);
            final String outsider = lab.appliance(3);
            try (VrrpAgent agent = VrrpAgent.start(List.of(master(lab, true)), VrrpListener.NONE, m);
                 Forger stranger = new Forger(outsider, lab.ipv4(3));
                 Forger fromPeer = new Forger(peer, lab.ipv4(2)))
            {
                assertTrue(VrrpLab.await(() -> agent.state("M") == VrrpState.MASTER, 5_000) >= 0);
                final long to = IpAddresses.v4Lo(v4(lab.ipv4(1)));

                stranger.send(stranger.build(VRID, lab.vip(1), to), to);
                assertRejectedAndStillMaster(agent, AdvertReject.UNKNOWN_PEER);

                fromPeer.ttl(254);
                fromPeer.send(fromPeer.build(VRID, lab.vip(1), to), to);
                assertRejectedAndStillMaster(agent, AdvertReject.TTL);
                fromPeer.ttl(255);

                fromPeer.send(fromPeer.build(VRID, lab.vip(1), to), to);
                assertTrue(VrrpLab.await(() -> agent.state("M") == VrrpState.BACKUP, WAIT_MS) >= 0,
                    "the configured peer's well-formed advert is obeyed: " + agent.state("M"));
            }
        }
    }
}
