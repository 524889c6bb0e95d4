package io.fulcrum.controlplane.daemon;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.SystemEpochClock;

import io.fulcrum.controlplane.config.BackendIds;
import io.fulcrum.controlplane.config.DataplaneModel;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.ServiceModel;
import io.fulcrum.dataplane.Dataplane;
import io.fulcrum.dataplane.DataplaneSettings;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.port.Port;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.sys.Privileges;

/**
 * A running appliance: the data plane on the configured interfaces, its counters file, and what it installed in the
 * kernel (XDP programs or nftables rules). {@link #start} does everything or nothing: a failure half-way releases
 * what was already set up. {@link #close} is what SIGTERM runs.
 */
public final class Appliance implements AutoCloseable
{
    /** Keeps fanout groups of two appliances in one namespace apart (tests, the lab). */
    private static final int FANOUT_GROUP_BASE = (int)(ProcessHandle.current().pid() & 0x7fff) + 1;

    private final Dataplane dataplane;
    private final List<InterfacePorts> interfaces;
    private final BackendIds backendIds;
    private final PrintWriter log;
    private FulcrumConfig running;
    private boolean closed;

    private Appliance(final Dataplane dataplane, final List<InterfacePorts> interfaces, final BackendIds backendIds,
        final FulcrumConfig running, final PrintWriter log)
    {
        this.dataplane = dataplane;
        this.interfaces = interfaces;
        this.backendIds = backendIds;
        this.running = running;
        this.log = log;
    }

    /** Checks that this process may run a data plane at all; returns why not, or null. */
    public static String missingPrivilege()
    {
        return Privileges.isRoot() ? null
            : "fulcrum run needs root (raw sockets, BPF and XDP): run it with sudo";
    }

    public static Appliance start(final FulcrumConfig config, final PrintWriter log)
    {
        if (config.dataplane().interfaces().isEmpty())
        {
            throw new IllegalArgumentException(config.source() + ": dataplane.interfaces is empty: name the interface "
                + "VIP traffic arrives on");
        }
        final DataplaneSettings settings = DataplaneModel.settings(config.dataplane());
        final String firstInterface = config.dataplane().interfaces().getFirst();
        final BackendIds backendIds = new BackendIds();
        final List<Service> services =
            BackendMacs.resolve(ServiceModel.services(config, backendIds), firstInterface, log);
        final CountersFile counters = CountersFile.create(config.dataplane().countersFile(), 16_384);
        final Dataplane dataplane = new Dataplane(settings, counters, SystemEpochClock.INSTANCE,
            error -> log.println("fulcrum run: worker error: " + error));
        final List<InterfacePorts> opened = new ArrayList<>();
        try
        {
            int group = FANOUT_GROUP_BASE;
            for (final String name : config.dataplane().interfaces())
            {
                final InterfacePorts ports = InterfacePorts.open(name, config.dataplane().packetIo(),
                    config.dataplane().workers(), group++, services, log);
                opened.add(ports);
                for (final Port port : ports.ports())
                {
                    dataplane.addWorker(port);
                }
                log.println("fulcrum run: " + name + ": " + ports.ports().size() + " worker(s) on " + ports.mode());
            }
            dataplane.publish(services);
            dataplane.start();
            log.println("fulcrum run: forwarding " + services.size() + " service(s); counters in "
                + config.dataplane().countersFile());
            log.flush();
            return new Appliance(dataplane, opened, backendIds, config, log);
        }
        catch (final RuntimeException e)
        {
            dataplane.close();
            opened.forEach(InterfacePorts::close);
            throw e;
        }
    }

    /**
     * Applies a new configuration's services and backends without stopping: backend ids are kept by (pool, address),
     * so established flows to a backend that remains keep it; the workers take the new table at their next batch.
     * Changes to the {@code dataplane} section (interfaces, workers, tables) need a restart and are reported.
     */
    public synchronized void reload(final FulcrumConfig config)
    {
        if (closed)
        {
            return;
        }
        if (!config.dataplane().equals(running.dataplane()))
        {
            log.println("fulcrum run: " + config.source() + ": dataplane settings changed; they take effect at the "
                + "next restart (services and pools are applied now)");
        }
        final List<Service> services = BackendMacs.resolve(ServiceModel.services(config, backendIds),
            running.dataplane().interfaces().getFirst(), log);
        dataplane.publish(services);
        running = config;
        log.println("fulcrum run: reloaded " + config.source() + ": " + services.size() + " service(s)");
        log.flush();
    }

    public Dataplane dataplane()
    {
        return dataplane;
    }

    /** Stops the workers, closes the sockets, detaches XDP programs and removes kernel rules. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        dataplane.close();
        for (final InterfacePorts ports : interfaces.reversed())
        {
            ports.close();
        }
        log.println("fulcrum run: stopped; XDP programs and sockets released");
        log.flush();
    }
}
