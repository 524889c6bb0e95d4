package io.fulcrum.dataplane.stats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.packet.IpAddresses;

/**
 * Allocates counters in the counters file: one set per worker, and per service and backend for every worker.
 * Only the control thread calls it; workers only write the counters it hands out.
 */
public final class CountersRegistry
{
    private final CountersManager manager;
    private final List<WorkerCounters> workers = new ArrayList<>();
    private final Map<Integer, String> serviceLabels = new HashMap<>();
    private final Map<Integer, String> backendLabels = new HashMap<>();

    public CountersRegistry(final CountersFile file)
    {
        this.manager = file.manager();
    }

    public WorkerCounters newWorker()
    {
        final WorkerCounters counters = new WorkerCounters(manager, workers.size());
        workers.add(counters);
        return counters;
    }

    /** Makes sure every worker has counters for every service and backend named; call before publishing them. */
    public void ensure(final List<Service> services)
    {
        int maxService = -1;
        int maxBackend = -1;
        for (final Service service : services)
        {
            maxService = Math.max(maxService, service.id());
            for (final Backend backend : service.backends())
            {
                maxBackend = Math.max(maxBackend, backend.id());
            }
        }
        for (final WorkerCounters worker : workers)
        {
            final WorkerCounters.ObjectCounters next =
                new WorkerCounters.ObjectCounters(worker.objects(), maxService + 1, maxBackend + 1);
            for (final Service service : services)
            {
                final int id = service.id();
                if (next.servicePackets[id] == null)
                {
                    final String label = "service " + service.name() + " ("
                        + endpoint(IpAddresses.format(service.vip())) + ":"
                        + service.port() + "/" + (service.protocol() == Service.TCP ? "tcp" : "udp") + ")";
                    serviceLabels.put(id, label);
                    next.servicePackets[id] = counter(label, CounterType.SERVICE_PACKETS, id, worker.workerId());
                    next.serviceBytes[id] = counter(label, CounterType.SERVICE_BYTES, id, worker.workerId());
                    next.serviceNewFlows[id] = counter(label, CounterType.SERVICE_NEW_FLOWS, id, worker.workerId());
                }
                for (final Backend backend : service.backends())
                {
                    final int bid = backend.id();
                    if (next.backendPackets[bid] == null)
                    {
                        final String label = "backend " + IpAddresses.format(backend.address());
                        backendLabels.put(bid, label);
                        next.backendPackets[bid] = counter(label, CounterType.BACKEND_PACKETS, bid, worker.workerId());
                        next.backendBytes[bid] = counter(label, CounterType.BACKEND_BYTES, bid, worker.workerId());
                        next.backendNewFlows[bid] = counter(label, CounterType.BACKEND_NEW_FLOWS, bid, worker.workerId());
                    }
                }
            }
            worker.objects(next);
        }
    }

    private AtomicCounter counter(final String object, final int type, final int owner, final int worker)
    {
        final AtomicCounter counter = manager.newCounter(
            object + ": " + CounterType.name(type) + " [worker " + worker + "]", type);
        manager.setCounterOwnerId(counter.id(), owner);
        manager.setCounterReferenceId(counter.id(), worker);
        return counter;
    }

    /** A counter of the exceptions one agent's duty cycle threw ({@code agent} names it: "worker 0", "sync"). */
    public AtomicCounter agentErrors(final String agent)
    {
        return manager.newCounter("agent errors (" + agent + ")", CounterType.AGENT_ERRORS);
    }

    /** The writer's view of the counters file, for components that own their counters (sync); control thread. */

    public CountersManager manager()
    {
        return manager;
    }

    public List<WorkerCounters> workers()
    {
        return List.copyOf(workers);
    }

    private static String endpoint(final String address)
    {
        return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    }
}
