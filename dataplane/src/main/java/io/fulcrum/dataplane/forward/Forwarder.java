package io.fulcrum.dataplane.forward;

import java.lang.foreign.MemorySegment;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.FlowScheduler;
import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.ServiceTable;
import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import io.fulcrum.dataplane.flow.ConnectionTable;
import io.fulcrum.dataplane.flow.EstablishedFlows;
import io.fulcrum.dataplane.flow.FlowKey;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.NetworkBytes;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.ParseResult;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.PacketBatch;
import io.fulcrum.dataplane.port.Verdict;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.stats.WorkerCounters;
import io.fulcrum.dataplane.sync.WorkerSync;

/**
 * The forwarding decision for one worker, packet by packet: parse, match a service, find the flow's backend (the
 * connection table, else a new pick by the service's scheduler: Maglev, or {@link FlowScheduler}), encapsulate for direct server return, and set the frame's verdict. It owns one of
 * each per-packet helper (parser, flow key, encapsulator) and allocates nothing per packet. Single-threaded.
 */
public final class Forwarder
{
    private final PacketParser parser = new PacketParser();
    private final FlowKey key = new FlowKey();
    private final Encapsulator encapsulator;
    private final IcmpReplies icmpReplies = new IcmpReplies();
    private final ConnectionTable connections;
    private final FlowScheduler scheduler;
    private final WorkerCounters counters;
    private final int mtu;
    private final long portMac;
    private final boolean anyDestination;
    private final AcceptedMacs acceptedMacs;
    private final int[] malformedByCode = new int[ParseResult.COUNT];

    private WorkerCounters.ObjectCounters objects;
    /** Where new and closing flows are recorded for the standby; null when sync is off. */
    private WorkerSync sync;
    /** Frames of the current batch sent out: the counter is bumped once a batch, not once a packet. */
    private int transmitted;

    public Forwarder(final EncapsulationSettings settings, final ConnectionTable connections,
        final WorkerCounters counters, final int mtu, final long portMac)
    {
        this(settings, connections, counters, mtu, portMac, false, new AcceptedMacs(), soleWorker(connections));
    }

    /** A scheduler for a forwarder that is the only worker: least-connections counts its own table's flows. */
    private static FlowScheduler soleWorker(final ConnectionTable connections)
    {
        final EstablishedFlows established = new EstablishedFlows();
        established.add(connections.flowCounts());
        return new FlowScheduler(0, established);
    }

    /**
     * @param anyDestination forward frames whatever their destination MAC (replay and test ports); otherwise a unicast
     *                       frame for another MAC is left to the host stack, which drops it
     * @param acceptedMacs   other unicast MACs forwarded as the port's own (VRRP virtual MACs while master)
     * @param scheduler      this worker's picks for new flows of services that are not maglev
     */
    public Forwarder(final EncapsulationSettings settings, final ConnectionTable connections,
        final WorkerCounters counters, final int mtu, final long portMac, final boolean anyDestination,
        final AcceptedMacs acceptedMacs, final FlowScheduler scheduler)
    {
        this.scheduler = scheduler;
        this.anyDestination = anyDestination;
        this.acceptedMacs = acceptedMacs;
        this.encapsulator = new Encapsulator(settings);
        this.connections = connections;
        this.counters = counters;
        this.mtu = mtu;
        this.portMac = portMac;
    }

    /** Decides every frame of the batch against {@code table}; the port acts on the verdicts afterwards. */
    public void process(final PacketBatch batch, final ForwardingTable table, final long nowMillis)
    {
        objects = counters.objects();
        transmitted = 0;
        final MemorySegment memory = batch.memory();
        for (int i = 0, n = batch.count(); i < n; i++)
        {
            forward(batch, i, memory, table, nowMillis);
        }
        counters.rxPackets().getAndAddRelease(batch.count());
        counters.txPackets().getAndAddRelease(transmitted);
    }

    private void forward(
        final PacketBatch batch, final int i, final MemorySegment memory, final ForwardingTable table, final long now)
    {
        final int result = parser.parse(memory, batch.offset(i), batch.length(i));
        if (result != ParseResult.IP)
        {
            if (result == ParseResult.NOT_IP)
            {
                pass(batch, i);
            }
            else
            {
                malformedByCode[result]++;
                drop(batch, i, DropReason.MALFORMED);
            }
            return;
        }

        // The common case first, with one lookup: a TCP or UDP packet (or a datagram's first fragment) for a service.
        final int protocol = parser.protocol();
        final int service = (protocol == Ipv4.PROTOCOL_TCP || protocol == Ipv4.PROTOCOL_UDP)
            && (!parser.isFragment() || parser.isFirstFragment())
            ? table.matcher().match(parser.dstHi(), parser.dstLo(), parser.dstPort(), protocol) : ServiceTable.NO_SERVICE;
        if (service < 0)
        {
            forwardOther(batch, i, memory, table, now);
        }
        else if (flooded(memory, batch.offset(i)))
        {
            pass(batch, i);
        }
        else if (parser.isFragment())
        {
            forwardFragment(batch, i, memory, table, service);
        }
        else
        {
            forwardFlow(batch, i, memory, table, service, now);
        }
    }

    /** A TCP or UDP packet for {@code service}: its flow's backend from the connection table, else a new pick. */
    private void forwardFlow(final PacketBatch batch, final int i, final MemorySegment memory,
        final ForwardingTable table, final int service, final long now)
    {
        final int protocol = parser.protocol();
        key.set(parser.srcHi(), parser.srcLo(), parser.dstHi(), parser.dstLo(),
            parser.srcPort(), parser.dstPort(), protocol);
        final long hash = key.hash();
        int backend = connections.lookup(key, hash, now);
        if (backend >= 0 && protocol == Ipv4.PROTOCOL_TCP && (parser.tcpFlags() & (Tcp.SYN | Tcp.ACK)) == Tcp.SYN
            && connections.isClosing(key, hash))
        {
            // A new connection on the 4-tuple of one that ended (the client reused its port while the old entry
            // waits out its closing timeout): a new flow, picked afresh, so a drained backend gets no new connection.
            backend = ConnectionTable.NOT_FOUND;
        }
        boolean newFlow = false;
        if (!table.keepsFlows(backend))
        {
            // The scheduler is looked at once per new flow; Maglev's pick is the table's, as it always was.
            backend = table.scheduler(service) == SchedulerKind.MAGLEV ? table.pick(service, hash)
                : scheduler.pick(table, service, hash, key.srcHi(), key.srcLo());
            if (backend < 0)
            {
                drop(batch, i, DropReason.NO_HEALTHY_BACKEND);
                return;
            }
            connections.insert(key, hash, backend, now);
            newFlow = true;
            if (sync != null)
            {
                sync.flowOpened(key, table.backendHi(backend), table.backendLo(backend));
            }
        }
        if (protocol == Ipv4.PROTOCOL_TCP && (parser.tcpFlags() & (Tcp.FIN | Tcp.RST)) != 0)
        {
            connections.markClosing(key, hash, now);
            if (sync != null)
            {
                sync.flowClosing(key);
            }
        }
        encapsulate(batch, i, memory, table, service, backend, (int)hash, newFlow);
    }

    /**
     * Everything but a packet for a service: traffic for the host, ICMP errors, non-first fragments, VIP ports nobody
     * serves.
     */
    private void forwardOther(
        final PacketBatch batch, final int i, final MemorySegment memory, final ForwardingTable table, final long now)
    {
        final ServiceTable matcher = table.matcher();
        if (!matcher.isVip(parser.dstHi(), parser.dstLo()) || flooded(memory, batch.offset(i)))
        {
            pass(batch, i); // not ours: the host's own traffic (or another box's, see flooded)
            return;
        }
        final int protocol = parser.protocol();
        if (parser.isIcmpError())
        {
            forwardIcmpError(batch, i, memory, table, now);
        }
        else if (protocol != Ipv4.PROTOCOL_TCP && protocol != Ipv4.PROTOCOL_UDP)
        {
            pass(batch, i); // ping to the VIP and the like: the host answers if it owns the address
        }
        else if (parser.isFragment() && !parser.isFirstFragment())
        {
            final int service = matcher.matchFragment(parser.dstHi(), parser.dstLo(), protocol);
            if (service < 0)
            {
                drop(batch, i, DropReason.UNKNOWN_FRAGMENT);
                return;
            }
            forwardFragment(batch, i, memory, table, service);
        }
        else
        {
            drop(batch, i, DropReason.NO_SERVICE);
        }
    }

    /**
     * All fragments of a datagram go where its first fragment goes: hashed on the 3-tuple (Maglev, section 3.4),
     * without the connection table, since only the first fragment carries ports. An ip-hash service hashes the
     * client alone, so its fragments reach the backend its other packets do; round-robin and least-connections keep
     * a table for flows, which fragments are not, and take the 3-tuple's Maglev slot.
     */
    private void forwardFragment(final PacketBatch batch, final int i, final MemorySegment memory,
        final ForwardingTable table, final int service)
    {
        key.set(parser.srcHi(), parser.srcLo(), parser.dstHi(), parser.dstLo(), 0, 0, parser.protocol());
        final long hash = key.hash3();
        final int backend = table.scheduler(service) == SchedulerKind.IP_HASH
            ? table.pickByClient(service, parser.srcHi(), parser.srcLo()) : table.pick(service, hash);
        if (backend < 0)
        {
            drop(batch, i, DropReason.NO_HEALTHY_BACKEND);
            return;
        }
        encapsulate(batch, i, memory, table, service, backend, (int)hash, false);
    }

    /**
     * An ICMP error about a packet a backend sent from the VIP (fragmentation needed on the way to the client, say)
     * belongs to the backend that owns the quoted flow: look the flow up the way the client's packets arrive.
     */
    private void forwardIcmpError(
        final PacketBatch batch, final int i, final MemorySegment memory, final ForwardingTable table, final long now)
    {
        if (!parser.innerValid())
        {
            pass(batch, i);
            return;
        }
        final int service = table.matcher().match(
            parser.innerSrcHi(), parser.innerSrcLo(), parser.innerSrcPort(), parser.innerProtocol());
        if (service < 0)
        {
            pass(batch, i); // about a packet the host itself sent
            return;
        }
        key.set(parser.innerDstHi(), parser.innerDstLo(), parser.innerSrcHi(), parser.innerSrcLo(),
            parser.innerDstPort(), parser.innerSrcPort(), parser.innerProtocol());
        final long hash = key.hash();
        int backend = connections.lookup(key, hash, now);
        if (!table.keepsFlows(backend))
        {
            // No flow: where the client's next packet would most likely go (its address, for ip-hash).
            backend = table.scheduler(service) == SchedulerKind.IP_HASH
                ? table.pickByClient(service, key.srcHi(), key.srcLo()) : table.pick(service, hash);
            if (backend < 0)
            {
                drop(batch, i, DropReason.NO_HEALTHY_BACKEND);
                return;
            }
        }
        encapsulate(batch, i, memory, table, service, backend, (int)hash, false);
    }

    private void encapsulate(final PacketBatch batch, final int i, final MemorySegment memory,
        final ForwardingTable table, final int service, final int backend, final int flowHash, final boolean newFlow)
    {
        final Encapsulation encapsulation = table.encapsulation(service);
        final long backendHi = table.backendHi(backend);
        final long backendLo = table.backendLo(backend);
        final int innerLength = parser.ipPacketLength();
        final int overhead = Encapsulator.overhead(encapsulation, backendHi, backendLo);
        if (innerLength + overhead > mtu)
        {
            tooBig(batch, i, memory, mtu - overhead);
            return;
        }
        final long slotStart = batch.slotStart(i);
        final long offset = encapsulator.encapsulate(memory, slotStart, parser, encapsulation,
            backendHi, backendLo, table.backendMac(backend), portMac, flowHash);
        if (offset < 0)
        {
            drop(batch, i, DropReason.NO_HEADROOM);
            return;
        }
        batch.set(i, offset, encapsulator.lastLength(), Verdict.TRANSMIT);
        transmitted++;
        objects.forwarded(table.serviceId(service), backend, innerLength, newFlow);
    }

    /**
     * RFC 1191 / RFC 8201: the client must learn the smaller path MTU ({@code reducedMtu}, what is left once
     * encapsulated) rather than see its packets vanish. IPv4 packets that allow fragmentation are dropped too:
     * fragmenting the outer packet is not done here.
     */
    private void tooBig(final PacketBatch batch, final int i, final MemorySegment memory, final int reducedMtu)
    {
        if (parser.dontFragment())
        {
            final long offset = icmpReplies.packetTooBig(
                memory, batch.slotStart(i), batch.frameSize(), parser, reducedMtu, portMac);
            if (offset >= 0)
            {
                batch.set(i, offset, icmpReplies.lastLength(), Verdict.TRANSMIT);
                counters.drop(DropReason.TOO_BIG).incrementRelease();
                counters.icmpTooBigSent().incrementRelease();
                return;
            }
        }
        drop(batch, i, DropReason.TOO_BIG);
    }

    /**
     * A frame for a VIP flooded by a switch that has not learnt (or has forgotten) where the VIP's MAC is: unicast to
     * another MAC than this port's or a virtual MAC this box is master for. The box that owns the VIP forwards it;
     * forwarding it here too would send it to the backend twice. Multicast and broadcast (the group bit of the first
     * octet) are for everyone; replay and test ports take every frame.
     */
    private boolean flooded(final MemorySegment memory, final long frameOffset)
    {
        if (anyDestination)
        {
            return false;
        }
        final long destination = NetworkBytes.u48(memory, frameOffset);
        return destination != portMac && (destination & 0x0100_0000_0000L) == 0 && !acceptedMacs.contains(destination);
    }

    private void pass(final PacketBatch batch, final int i)
    {
        batch.verdict(i, Verdict.PASS);
        counters.passPackets().incrementRelease();
    }

    private void drop(final PacketBatch batch, final int i, final int reason)
    {
        batch.verdict(i, Verdict.DROP);
        counters.drop(reason).incrementRelease();
    }

    /** Malformed frames seen, by the parser's result code: for diagnostics and tests, not per-packet readers. */
    public int malformed(final int parseResult)
    {
        return malformedByCode[parseResult];
    }

    /** Records new and closing flows into {@code workerSync} from now on (set before the worker starts). */
    public void sync(final WorkerSync workerSync)
    {
        this.sync = workerSync;
    }

    public ConnectionTable connections()
    {
        return connections;
    }
}
