package io.fulcrum.dataplane.balance;

import java.util.List;

import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;
import io.fulcrum.dataplane.flow.FlowKey;
import io.fulcrum.dataplane.packet.IpAddresses;

/**
 * Everything a worker needs to forward, as one immutable snapshot: the service matcher, per service its scheduler,
 * Maglev table, the backends that take new flows and its round-robin sequence, and the backends by id. The control plane builds a new one for every change and publishes it
 * ({@link ForwardingTablePublisher}); workers pick it up between batches and never lock.
 *
 * <p>Per-service and per-backend data are parallel arrays of primitives (and of the shared enum constants) so that
 * the per-packet path reads fields, not objects.
 */
public final class ForwardingTable
{
    private static final ForwardingTable EMPTY = new ForwardingTable(0, List.of());

    private final long version;
    private final List<Service> services;
    private final ServiceTable matcher;
    private final MaglevTable[] maglev;
    private final int[] serviceId;
    private final Encapsulation[] serviceEncapsulation;
    private final SchedulerKind[] scheduler;
    /** Per service, the backends that take new flows (active, weight above 0) and their weights. */
    private final int[][] candidates;
    private final int[][] candidateWeights;
    /** Per service, one period of smooth weighted round robin; empty unless the service is round-robin. */
    private final int[][] roundRobin;
    // Backends, indexed by backend id.
    private final boolean[] backendPresent;
    private final long[] backendHi;
    private final long[] backendLo;
    private final long[] backendMac;
    private final byte[] backendState;

    private ForwardingTable(final long version, final List<Service> services)
    {
        this.version = version;
        this.services = List.copyOf(services);
        this.matcher = new ServiceTable(this.services);
        final int count = this.services.size();
        maglev = new MaglevTable[count];
        serviceId = new int[count];
        serviceEncapsulation = new Encapsulation[count];
        scheduler = new SchedulerKind[count];
        candidates = new int[count][];
        candidateWeights = new int[count][];
        roundRobin = new int[count][];
        int maxBackendId = -1;
        for (final Service service : this.services)
        {
            for (final Backend backend : service.backends())
            {
                maxBackendId = Math.max(maxBackendId, backend.id());
            }
        }
        backendPresent = new boolean[maxBackendId + 1];
        backendHi = new long[maxBackendId + 1];
        backendLo = new long[maxBackendId + 1];
        backendMac = new long[maxBackendId + 1];
        backendState = new byte[maxBackendId + 1];

        for (int i = 0; i < count; i++)
        {
            final Service service = this.services.get(i);
            serviceId[i] = service.id();
            serviceEncapsulation[i] = service.encapsulation();
            maglev[i] = buildMaglev(service);
            scheduler[i] = Service.DATA_PLANE_SCHEDULERS.contains(service.scheduler())
                ? service.scheduler() : SchedulerKind.MAGLEV;
            final List<Backend> eligible = takingNewFlows(service);
            candidates[i] = eligible.stream().mapToInt(Backend::id).toArray();
            candidateWeights[i] = eligible.stream().mapToInt(Backend::weight).toArray();
            roundRobin[i] = scheduler[i] == SchedulerKind.ROUND_ROBIN
                ? RoundRobinSequence.build(candidates[i], candidateWeights[i]) : new int[0];
            for (final Backend backend : service.backends())
            {
                final int id = backend.id();
                backendPresent[id] = true;
                backendHi[id] = IpAddresses.hi(backend.address());
                backendLo[id] = IpAddresses.lo(backend.address());
                backendMac[id] = backend.mac();
                backendState[id] = (byte)backend.state().ordinal();
            }
        }
    }

    /** The backends every scheduler may give a new flow: active, weight above 0; drained and down ones never. */
    private static List<Backend> takingNewFlows(final Service service)
    {
        return service.backends().stream()
            .filter(b -> b.state() == BackendState.ACTIVE && b.weight() > 0)
            .toList();
    }

    /** Only backends that take new flows get Maglev slots. */
    private static MaglevTable buildMaglev(final Service service)
    {
        final List<Backend> eligible = takingNewFlows(service);
        final int[] ids = new int[eligible.size()];
        final long[] keys = new long[eligible.size()];
        final int[] weights = new int[eligible.size()];
        for (int i = 0; i < ids.length; i++)
        {
            final Backend backend = eligible.get(i);
            ids[i] = backend.id();
            keys[i] = backendKey(backend);
            weights[i] = backend.weight();
        }
        return MaglevTable.build(ids, keys, weights, service.maglevSize());
    }

    /**
     * A backend's identity for Maglev's permutation: derived from its address only, so that both appliances of a pair
     * (and a restarted one) build identical tables whatever ids or order the backends have. The proxy's Maglev and
     * ip-hash schedulers key on it too.
     */
    public static long backendKey(final Backend backend)
    {
        final long hi = IpAddresses.hi(backend.address());
        final long lo = IpAddresses.lo(backend.address());
        return mix(hi * 0x9E3779B97F4A7C15L ^ mix(lo));
    }

    private static long mix(final long value)
    {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static ForwardingTable empty()
    {
        return EMPTY;
    }

    public static ForwardingTable of(final long version, final List<Service> services)
    {
        return new ForwardingTable(version, services);
    }

    public long version()
    {
        return version;
    }

    public List<Service> services()
    {
        return services;
    }

    public ServiceTable matcher()
    {
        return matcher;
    }

    public int serviceId(final int index)
    {
        return serviceId[index];
    }

    public Encapsulation encapsulation(final int index)
    {
        return serviceEncapsulation[index];
    }

    /** Picks a backend id for a new flow of service {@code index} by Maglev; -1 when the service has none to give. */
    public int pick(final int index, final long flowHash)
    {
        return maglev[index].pick(flowHash);
    }

    /**
     * {@code ip-hash}: the service's Maglev table looked up with the hash of the client's address alone
     * ({@link FlowKey#clientHash}), so all of a client's connections reach one backend; -1 when there is none.
     */
    public int pickByClient(final int index, final long clientHi, final long clientLo)
    {
        return maglev[index].pick(FlowKey.clientHash(clientHi, clientLo));
    }

    /**
     * How service {@code index} picks new flows: one of {@link Service#DATA_PLANE_SCHEDULERS} (Maglev for a service
     * that names another).
     */
    public SchedulerKind scheduler(final int index)
    {
        return scheduler[index];
    }

    /** The ids of the backends of service {@code index} that take new flows; the caller must not change it. */
    public int[] candidates(final int index)
    {
        return candidates[index];
    }

    /** The weights of {@link #candidates}, in the same order; the caller must not change it. */
    public int[] candidateWeights(final int index)
    {
        return candidateWeights[index];
    }

    /** One period of round-robin picks of service {@code index} ({@link RoundRobinSequence}); not to be changed. */
    public int[] roundRobin(final int index)
    {
        return roundRobin[index];
    }

    public MaglevTable maglev(final int index)
    {
        return maglev[index];
    }

    /** True when the backend exists and may keep established flows (active or draining). */
    public boolean keepsFlows(final int backendId)
    {
        return backendId >= 0 && backendId < backendPresent.length && backendPresent[backendId]
            && backendState[backendId] != BackendState.DOWN.ordinal();
    }

    public long backendHi(final int backendId)
    {
        return backendHi[backendId];
    }

    public long backendLo(final int backendId)
    {
        return backendLo[backendId];
    }

    public long backendMac(final int backendId)
    {
        return backendMac[backendId];
    }
}
