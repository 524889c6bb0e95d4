package io.fulcrum.dataplane;

import java.util.ArrayList;
import java.util.List;

import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochClock;

import io.fulcrum.dataplane.agent.ForwardingAgent;
import io.fulcrum.dataplane.agent.IdleStrategies;
import io.fulcrum.dataplane.agent.PinnedAgent;
import io.fulcrum.dataplane.balance.FlowScheduler;
import io.fulcrum.dataplane.balance.ForwardingTable;
import io.fulcrum.dataplane.balance.ForwardingTablePublisher;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.flow.ConnectionTable;
import io.fulcrum.dataplane.flow.ConnectionTableFiles;
import io.fulcrum.dataplane.flow.EstablishedFlows;
import io.fulcrum.dataplane.forward.AcceptedMacs;
import io.fulcrum.dataplane.forward.Forwarder;
import io.fulcrum.dataplane.port.Port;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.CountersRegistry;
import io.fulcrum.dataplane.stats.WorkerCounters;
import io.fulcrum.dataplane.sync.SyncAgent;
import io.fulcrum.dataplane.sync.SyncCounters;
import io.fulcrum.dataplane.sync.SyncSettings;
import io.fulcrum.dataplane.sync.WorkerSync;

/**
 * The data plane assembled: one worker per port, each with its own connection table, forwarder and counters, all
 * reading the forwarding table the control plane publishes. {@link #start()} runs each worker on its own thread
 * (pinned when cores are configured); replay and tests instead drive {@link #workers()} synchronously.
 */
public final class Dataplane implements AutoCloseable
{
    private final DataplaneSettings settings;
    private final EpochClock clock;
    private final ForwardingTablePublisher tables = new ForwardingTablePublisher();
    private final AcceptedMacs acceptedMacs = new AcceptedMacs();
    /** Every worker's established flows per backend, which least-connections compares. */
    private final EstablishedFlows established = new EstablishedFlows();
    private final CountersRegistry counters;
    private final List<ForwardingAgent> workers = new ArrayList<>();
    private final List<Port> ports = new ArrayList<>();
    private final List<ConnectionTable> connectionTables = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final ErrorHandler errorHandler;
    /** Where the connection tables live when they outlive the process; null for anonymous memory. */
    private final ConnectionTableFiles tableFiles;
    private SyncAgent sync;

    public Dataplane(final DataplaneSettings settings, final CountersFile countersFile, final EpochClock clock,
        final ErrorHandler errorHandler)
    {
        this(settings, countersFile, clock, errorHandler, null);
    }

    /** A data plane whose connection tables are {@code tableFiles}' (it closes them, and their lock, at the end). */
    public Dataplane(final DataplaneSettings settings, final CountersFile countersFile, final EpochClock clock,
        final ErrorHandler errorHandler, final ConnectionTableFiles tableFiles)
    {
        this.tableFiles = tableFiles;
        this.settings = settings;
        this.clock = clock;
        this.counters = new CountersRegistry(countersFile);
        // Every agent error goes to the counters file's distinct-error log (fulcrum stat prints it), then to the
        // caller's handler (the event log).
        final DistinctErrorLog errors = countersFile.errorLog(clock);
        this.errorHandler = failure ->
        {
            errors.record(failure); // false when the log is full: the caller's handler still sees it
            errorHandler.onError(failure);
        };
    }

    /** Adds a worker for {@code port}; the data plane owns and closes the port from now on. */
    public ForwardingAgent addWorker(final Port port)
    {
        final int workerId = workers.size();
        final WorkerCounters workerCounters = counters.newWorker();
        final ConnectionTable connections = tableFiles == null ?
            new ConnectionTable(settings.connectionCapacity(), settings.timeouts()) : tableFiles.table(workerId);
        final int mtu = Math.min(settings.mtu(), port.mtu());
        established.add(connections.flowCounts());
        final Forwarder forwarder =
            new Forwarder(settings.encapsulation(), connections, workerCounters, mtu, port.macAddress(),
                port.anyDestination(), acceptedMacs, new FlowScheduler(workerId, established));
        final ForwardingAgent agent = new ForwardingAgent(
            workerId, port, settings.batchSize(), forwarder, tables, clock, workerCounters);
        ports.add(port);
        connectionTables.add(connections);
        workers.add(agent);
        counters.ensure(tables.current().services()); // a worker added late gets counters for what is published
        return agent;
    }

    /** Publishes the services as a new forwarding table, after allocating their counters for every worker. */
    public ForwardingTable publish(final List<Service> services)
    {
        counters.ensure(services);
        return tables.publish(services);
    }

    /**
     * Turns connection-state sync on: rings for every worker added so far and the sync agent, which {@link #start()}
     * runs on a thread of its own (its role stays {@link io.fulcrum.dataplane.sync.SyncRole#OFF} until the control
     * plane sets it). Call after the last {@link #addWorker} and before {@link #start()}.
     */
    public SyncAgent enableSync(final SyncSettings syncSettings)
    {
        if (sync != null)
        {
            throw new IllegalStateException("sync is already on");
        }
        final WorkerSync[] rings = new WorkerSync[workers.size()];
        for (int i = 0; i < rings.length; i++)
        {
            rings[i] = new WorkerSync(i, syncSettings.ringBytes(), SyncCounters.ringDropped(counters.manager(), i));
            workers.get(i).sync(rings[i]);
        }
        sync = new SyncAgent(syncSettings, rings, tables, new SyncCounters(counters.manager()), clock);
        return sync;
    }

    /** The sync agent, or null when sync is off. */
    public SyncAgent sync()
    {
        return sync;
    }

    /**
     * Starts one thread per worker with the configured idle strategy, pinned where cores are configured; first, with
     * persistent tables, re-homes the earlier run's flows that could not be taken back as they were.
     */
    public void start()
    {
        if (tableFiles != null)
        {
            tableFiles.restore(connectionTables);
        }
        for (int i = 0; i < workers.size(); i++)
        {
            Agent agent = workers.get(i);
            if (i < settings.cores().size())
            {
                agent = new PinnedAgent(agent, settings.cores().get(i));
            }
            final AgentRunner runner = new AgentRunner(IdleStrategies.byName(settings.idleStrategy()), errorHandler,
                counters.agentErrors("worker " + i), agent);
            AgentRunner.startOnThread(runner);
            runners.add(runner);
        }
        if (sync != null)
        {
            // Sleeps when idle: sync work arrives at most at the rate of new flows, and its timers are milliseconds.
            final AgentRunner runner = new AgentRunner(
                new org.agrona.concurrent.SleepingMillisIdleStrategy(1), errorHandler, counters.agentErrors("sync"),
                sync);
            AgentRunner.startOnThread(runner);
            runners.add(runner);
        }
    }

    public List<ForwardingAgent> workers()
    {
        return List.copyOf(workers);
    }

    /** The virtual MACs every worker forwards for besides its port's own; the control plane holds and releases them. */
    public AcceptedMacs acceptedMacs()
    {
        return acceptedMacs;
    }

    /** Established flows per backend, summed over the workers (what least-connections sees). */
    public EstablishedFlows established()
    {
        return established;
    }

    public ForwardingTablePublisher tables()
    {
        return tables;
    }

    public DataplaneSettings settings()
    {
        return settings;
    }

    /** Stops the worker threads (each finishes its duty cycle), then closes ports and frees the tables. */
    @Override
    public void close()
    {
        final boolean syncRunning = sync != null && !runners.isEmpty();
        CloseHelper.closeAll(runners);
        runners.clear();
        if (sync != null && !syncRunning)
        {
            sync.onClose(); // never started: its socket is closed here
        }
        for (final Port port : ports)
        {
            port.close();
        }
        CloseHelper.closeAll(connectionTables);
        ports.clear();
        connectionTables.clear();
        CloseHelper.close(tableFiles); // the lock goes last, after every table is marked closed
    }
}
