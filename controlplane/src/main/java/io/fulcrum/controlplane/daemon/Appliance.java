package io.fulcrum.controlplane.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.time.Clock;

import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemEpochClock;

import io.fulcrum.controlplane.FulcrumBuild;
import io.fulcrum.controlplane.api.ApiSettings;
import io.fulcrum.controlplane.api.ManagementServer;
import io.fulcrum.controlplane.config.ApiConfig;
import io.fulcrum.controlplane.config.BackendConfig;
import io.fulcrum.controlplane.config.BackendIds;
import io.fulcrum.controlplane.config.SyncConfig;
import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.CheckedConfig;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.ConfigWarning;
import io.fulcrum.controlplane.config.ConfigProblem;
import io.fulcrum.controlplane.config.DataplaneModel;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.controlplane.config.PoolConfig;
import io.fulcrum.controlplane.config.ServiceModel;
import io.fulcrum.controlplane.health.HealthChecker;
import io.fulcrum.controlplane.health.HealthTarget;
import io.fulcrum.dataplane.Dataplane;
import io.fulcrum.dataplane.DataplaneSettings;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.flow.ConnectionTableFiles;
import io.fulcrum.dataplane.port.Port;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.sync.SyncAgent;
import io.fulcrum.dataplane.sync.SyncSettings;
import io.fulcrum.dataplane.sys.Privileges;

/**
 * A running appliance: the data plane on the configured interfaces, its counters file, what it installed in the
 * kernel (XDP programs or nftables rules), and the state that decides each backend's fate (operator actions, health).
 * {@link #start} does everything or nothing: a failure half-way releases what was already set up. Every change —
 * a reload, an operator action, a health transition — builds a new forwarding table and publishes it; workers take
 * it at their next batch. {@link #close} is what SIGTERM runs.
 */
public final class Appliance implements ApplianceControl, AutoCloseable
{
    /** Keeps fanout groups of two appliances in one namespace apart (tests, the lab). */
    private static final int FANOUT_GROUP_BASE = (int)(ProcessHandle.current().pid() & 0x7fff) + 1;

    private final Dataplane dataplane;
    private final List<InterfacePorts> interfaces;
    private final BackendIds backendIds;
    private final BackendStates states;
    private final Map<Integer, Long> macs;
    private final CountersFile counters;
    private final EventLog log;
    private final ApplianceViews views;
    private final UpgradeProgram upgrades;
    private final ProxyServices proxies;
    /** Health verdicts arrive on the checker's event loop; republishing (which may resolve a MAC) runs here. */
    private final ExecutorService control = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("fulcrum-control").daemon(true).factory());
    private HealthChecker health;
    private ManagementServer api;
    private VrrpPair vrrp;
    private FulcrumConfig running;
    private List<Service> published;
    private boolean closed;

    private Appliance(final Dataplane dataplane, final List<InterfacePorts> interfaces, final BackendIds backendIds,
        final BackendStates states, final Map<Integer, Long> macs, final CountersFile counters,
        final FulcrumConfig running, final List<Service> published, final EventLog log)
    {
        this.dataplane = dataplane;
        this.interfaces = interfaces;
        this.backendIds = backendIds;
        this.states = states;
        this.macs = macs;
        this.counters = counters;
        this.running = running;
        this.published = published;
        this.log = log;
        this.views = new ApplianceViews(dataplane, interfaces.isEmpty() ? "none" : interfaces.getFirst().mode(), states,
            counters, workerProgress(ApplianceViews.HEALTH_STALL_LIMIT));
        this.upgrades = new UpgradeProgram(log);
        this.proxies = new ProxyServices(log);
    }

    /** Checks that this process may run a data plane at all; returns why not, or null. */
    public static String missingPrivilege()
    {
        return Privileges.isRoot() ? null
            : "fulcrum run needs root (raw sockets, BPF and XDP): run it with sudo";
    }

    /**
     * What {@code fulcrum config check} warns of (a pool no service uses), in the log at start and at each reload: a
     * valid file stays valid, but whoever reads the log sees what it probably did not mean.
     */
    public static void logWarning(final EventLog log, final ConfigWarning warning)
    {
        log.event("config-warning", warning.toString(), "config", warning.file().toString(), "line", warning.line(),
            "column", warning.column());
    }

    public static Appliance start(final FulcrumConfig config, final EventLog log)
    {
        if (config.dataplane().interfaces().isEmpty() && hasDsrServices(config))
        {
            throw new IllegalArgumentException(config.source() + ": dataplane.interfaces is empty: name the interface "
                + "VIP traffic arrives on (only services of mode tcp, http and udp run without one)");
        }
        final DataplaneSettings settings = DataplaneModel.settings(config.dataplane());
        final ConnectionTableFiles tableFiles = config.dataplane().connectionTable().file()
            .map(file -> ConnectionTableFiles.open(file, settings.connectionCapacity(), settings.timeouts(),
                log::event))
            .orElse(null);
        final Dataplane dataplane;
        final BackendIds backendIds;
        final BackendStates states = new BackendStates();
        final Map<Integer, Long> macs = new ConcurrentHashMap<>();
        final List<Service> services;
        final CountersFile counters;
        try
        {
            backendIds = tableFiles == null ? new BackendIds() : backendIds(tableFiles, log);
            services = decided(config, states, backendIds, macs, log);
            counters = CountersFile.create(config.dataplane().countersFile(), 16_384);
            dataplane = new Dataplane(settings, counters, SystemEpochClock.INSTANCE,
                error -> log.event("worker-error", "worker error: " + error, "error", String.valueOf(error)),
                tableFiles);
        }
        catch (final RuntimeException e)
        {
            CloseHelper.quietClose(tableFiles);
            throw e;
        }
        final List<InterfacePorts> opened = new ArrayList<>();
        Appliance appliance = null;
        try
        {
            int group = FANOUT_GROUP_BASE;
            for (final String name : config.dataplane().interfaces())
            {
                final InterfacePorts ports = InterfacePorts.open(name, config.dataplane().packetIo(),
                    config.dataplane().workers(), group++, forwarded(config, services), log);
                opened.add(ports);
                for (final Port port : ports.ports())
                {
                    dataplane.addWorker(port);
                }
                log.event("ports", name + ": " + ports.ports().size() + " worker(s) on " + ports.mode(),
                    "interface", name, "workers", ports.ports().size(), "packet_io", ports.mode());
            }
            dataplane.publish(forwarded(config, services));
            if (config.sync().isPresent() && !config.vrrp().isEmpty())
            {
                final SyncAgent sync = dataplane.enableSync(syncSettings(config.sync().get()));
                log.event("sync", "connection sync on " + sync.localAddress() + " with " + config.sync().get().peer()
                    + ", " + config.sync().get().maxBytesPerSecond() * 8 / 1000 + " kbit/s at most, "
                    + sync.settings().memoryBytes(dataplane.workers().size()) / 1024 + " KiB of buffers; its role "
                    + "follows VRRP", "local", sync.localAddress().toString(), "peer",
                    config.sync().get().peer().toString());
            }
            dataplane.start();
            log.event("started", "forwarding " + forwarded(config, services).size() + " service(s); counters in "
                + config.dataplane().countersFile(), "version", FulcrumBuild.version(), "config",
                config.source().toString());
            appliance = new Appliance(dataplane, opened, backendIds, states, macs, counters, config, services, log);
            appliance.startHealthChecks();
            appliance.proxies.apply(config, states, backendIds);
            appliance.startVrrp();
            appliance.startApi();
            return appliance;
        }
        catch (final RuntimeException e)
        {
            // Closed once, by their owner: the appliance once it exists. A cleanup that fails too is attached, so that
            // the operator reads why the start failed, not a second error of the cleanup (ports closed twice did that).
            if (appliance != null)
            {
                closeSuppressed(appliance, e);
            }
            else
            {
                closeSuppressed(dataplane, e);
                opened.forEach(ports -> closeSuppressed(ports, e));
            }
            throw e;
        }
    }

    private static void closeSuppressed(final AutoCloseable closeable, final RuntimeException cause)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception e)
        {
            cause.addSuppressed(e);
        }
    }

    /**
     * The backend ids the previous run's connection tables refer to; when they cannot be read, those tables cannot be
     * trusted either (an id would name another backend) and are dropped.
     */
    private static BackendIds backendIds(final ConnectionTableFiles tableFiles, final EventLog log)
    {
        final Path file = tableFiles.backendIdsFile();
        try
        {
            final BackendIds ids = BackendIds.load(file);
            if (ids.restored())
            {
                log.event("backend-ids-restored", ids.size() + " backend id(s) restored from " + file);
            }
            else if (tableFiles.foundTables())
            {
                tableFiles.distrust("no backend id directory " + file + " beside them");
            }
            return ids;
        }
        catch (final IllegalArgumentException e)
        {
            final Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + System.currentTimeMillis());
            try
            {
                Files.move(file, aside);
            }
            catch (final IOException moveFailed)
            {
                throw new IllegalStateException("cannot set aside " + file + ": " + moveFailed.getMessage(), e);
            }
            log.event("backend-ids-set-aside", "backend id directory set aside as " + aside + ", not trusted: " +
                e.getMessage());
            tableFiles.distrust("their backend id directory was unreadable");
            return BackendIds.load(file);
        }
    }

    private void startHealthChecks()
    {
        health = new HealthChecker((pool, address, state, reason) -> control.execute(() ->
            healthChanged(pool, address, state.name().toLowerCase(), reason)), Clock.systemUTC());
        checkBackendsOf(running);
    }

    private synchronized void startVrrp()
    {
        if (!running.vrrp().isEmpty())
        {
            final SyncAgent sync = dataplane.sync();
            vrrp = VrrpPair.start(running.vrrp(), workerProgress(VrrpPair.STALL_LIMIT), dataplane.acceptedMacs(), log,
                sync == null ? (name, state) -> { } : new SyncRoleFollower(sync, log));
            vrrp.poolsChanged(this::healthyBackends);
        }
    }

    /** Backends of {@code pool} that take new flows now (enabled, not draining, not failing, weight above 0). */
    private int healthyBackends(final String pool)
    {
        for (final PoolConfig config : running.pools())
        {
            if (config.name().equals(pool))
            {
                return states.healthy(config);
            }
        }
        return 0;
    }

    private static SyncSettings syncSettings(final SyncConfig config)
    {
        final byte[] key;
        try
        {
            key = config.keyBytes();
        }
        catch (final java.io.IOException e)
        {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return SyncSettings.of(config.local(), config.peer(), key)
            .withMaxBytesPerSecond(config.maxBytesPerSecond())
            .withRingBytes(config.ringBytes())
            .withRetransmitDatagrams(config.retransmitBuffer())
            .withResyncIntervalMillis(config.resyncInterval().toMillis());
    }

    private void startApi()
    {
        if (running.api().isEmpty())
        {
            return;
        }
        final ApiConfig config = running.api().get();
        final List<String> tokens = new ArrayList<>(config.tokens());
        if (config.tokenFile().isPresent())
        {
            try
            {
                tokens.addAll(ApiSettings.readTokenFile(config.tokenFile().get()));
            }
            catch (final IOException e)
            {
                throw new IllegalStateException("api.token-file: cannot read " + config.tokenFile().get() + ": "
                    + e.getMessage(), e);
            }
        }
        api = ManagementServer.start(new ApiSettings(config.listen(), tokens, config.tlsCertificate().orElse(null),
            config.tlsKey().orElse(null)), this);
        log.event("api", "management API on " + api.url(), "url", api.url());
    }

    /** Starts checks for new backends, stops those of removed ones; a backend that stays keeps its verdict. */
    private void checkBackendsOf(final FulcrumConfig config)
    {
        final List<HealthTarget> targets = HealthTarget.of(config);
        for (final HealthTarget target : targets)
        {
            final BackendStates.Key key = new BackendStates.Key(target.pool(), target.address());
            if (BackendStates.UNCHECKED.equals(states.health(key)))
            {
                states.health(key, BackendStates.UNKNOWN);
            }
        }
        health.update(targets);
    }

    /**
     * Builds the forwarding table from the running configuration and the backends' states and publishes it; the
     * proxied services get their backends from the same states.
     */
    private void republish()
    {
        final List<Service> services = decided(running, states, backendIds, macs, log);
        final List<Service> forwarded = forwarded(running, services);
        dataplane.publish(forwarded);
        interfaces.forEach(ports -> ports.follow(forwarded)); // after: a newly steered VIP finds its service
        proxies.apply(running, states, backendIds);
        published = services;
        if (vrrp != null)
        {
            vrrp.poolsChanged(this::healthyBackends);
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
        if (!config.vrrp().equals(running.vrrp()))
        {
            log.event("restart-needed", config.source() + ": vrrp settings changed; they take effect at the next "
                + "restart");
        }
        if (!config.sync().equals(running.sync()))
        {
            log.event("restart-needed", config.source() + ": sync settings changed; they take effect at the next "
                + "restart");
        }
        if (!config.api().equals(running.api()))
        {
            log.event("restart-needed", config.source() + ": api settings changed; they take effect at the next "
                + "restart");
        }
        if (!config.dataplane().equals(running.dataplane()))
        {
            log.event("restart-needed", config.source() + ": dataplane settings changed; they take effect at the "
                + "next restart (services and pools are applied now)");
        }
        final FulcrumConfig previous = running;
        running = config;
        states.clearWeights();
        states.retainHealth(keys(config));
        try
        {
            republish();
        }
        catch (final RuntimeException e)
        {
            running = previous;
            throw e;
        }
        if (health != null)
        {
            checkBackendsOf(config);
        }
        log.event("reloaded", "reloaded " + config.source() + ": " + config.services().size() + " service(s)",
            "config", config.source().toString(), "services", config.services().size());
    }

    /** A health check changed its verdict on a backend: republish so that traffic follows. */
    public synchronized void healthChanged(final String pool, final InetAddress address, final String health,
        final String reason)
    {
        if (closed)
        {
            return;
        }
        final BackendStates.Key key = new BackendStates.Key(pool, address);
        final String before = states.health(key);
        states.health(key, health);
        if (!before.equals(health))
        {
            log.event("backend-" + health, "backend " + IpLiterals.format(address) + " in " + pool + " is " + health
                + " (" + reason + ")", "pool", pool, "backend", IpLiterals.format(address), "reason", reason);
            republish();
        }
    }

    /** Every service of {@code config} with its backends' states as decided, the forwarded ones' MACs resolved. */
    private static List<Service> decided(final FulcrumConfig config, final BackendStates states, final BackendIds ids,
        final Map<Integer, Long> macs, final EventLog log)
    {
        final List<Service> services = states.services(config, ids);
        return config.dataplane().interfaces().isEmpty() ? services
            : BackendMacs.resolve(config, services, config.dataplane().interfaces().getFirst(), macs, log);
    }

    /** The services the packet data plane forwards: mode dsr. The proxy serves the others. */
    private static List<Service> forwarded(final FulcrumConfig config, final List<Service> services)
    {
        final List<Service> forwarded = new ArrayList<>(services.size());
        for (int i = 0; i < services.size(); i++)
        {
            if (!config.services().get(i).mode().proxied())
            {
                forwarded.add(services.get(i));
            }
        }
        return forwarded;
    }

    private static boolean hasDsrServices(final FulcrumConfig config)
    {
        return config.services().stream().anyMatch(service -> !service.mode().proxied());
    }

    private static Set<BackendStates.Key> keys(final FulcrumConfig config)
    {
        final Set<BackendStates.Key> keys = new HashSet<>();
        for (final PoolConfig pool : config.pools())
        {
            for (final BackendConfig backend : pool.backends())
            {
                keys.add(new BackendStates.Key(pool.name(), backend.address()));
            }
        }
        return keys;
    }

    public FulcrumConfig running()
    {
        return running;
    }

    public Dataplane dataplane()
    {
        return dataplane;
    }

    // ---------------------------------------------------------------------------------------------------------
    // ApplianceControl

    @Override
    public Views.Status status()
    {
        return views.status(running, vrrp);
    }

    /** A tracker of the workers' duty cycles (the systemd watchdog has its own, with its own limit). */
    public WorkerProgress workerProgress(final Duration stallLimit)
    {
        return new WorkerProgress(counters.reader(), dataplane.workers().size(), stallLimit.toNanos(),
            System::nanoTime);
    }

    @Override
    public Views.Health health()
    {
        return views.health(vrrp);
    }

    @Override
    public synchronized List<Views.Service> services()
    {
        return views.services(running, published, health, proxies);
    }

    @Override
    public synchronized List<Views.Backend> backends()
    {
        return views.backends(running, published, health, proxies, backendIds);
    }

    @Override
    public CounterTotals counters()
    {
        return views.counters();
    }

    @Override
    public Path upgradeUploads()
    {
        return upgrades.uploads();
    }

    @Override
    public Views.Upgrade upgrade(final Path file, final String sha256)
    {
        return upgrades.start(file, sha256);
    }

    @Override
    public String upgradeStatus()
    {
        return upgrades.slots();
    }

    @Override
    public synchronized void setAdminState(final String pool, final String address, final AdminState state)
    {
        final BackendStates.Key key = existing(pool, address);
        states.admin(key, state);
        republish();
        log.event("backend-" + state.name().toLowerCase(), "backend " + IpLiterals.format(key.address()) + " in "
            + pool + " set to " + state.name().toLowerCase() + " by the operator", "pool", pool, "backend",
            IpLiterals.format(key.address()));
    }

    @Override
    public synchronized void setWeight(final String pool, final String address, final int weight)
    {
        if (weight < 0 || weight > BackendConfig.MAX_WEIGHT)
        {
            throw new IllegalArgumentException("weight must be 0 to " + BackendConfig.MAX_WEIGHT + ": " + weight);
        }
        final BackendStates.Key key = existing(pool, address);
        states.weight(key, weight);
        republish();
        log.event("backend-weight", "backend " + IpLiterals.format(key.address()) + " in " + pool + " weight "
            + weight + " by the operator (until the next reload)", "pool", pool, "backend",
            IpLiterals.format(key.address()), "weight", weight);
    }

    private BackendStates.Key existing(final String pool, final String address)
    {
        final InetAddress parsed;
        try
        {
            parsed = IpLiterals.parse(address);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException("not an IP address: " + address);
        }
        final BackendStates.Key key = new BackendStates.Key(pool, parsed);
        if (!keys(running).contains(key))
        {
            throw new IllegalArgumentException("pool '" + pool + "' has no backend " + address);
        }
        return key;
    }

    @Override
    public Views.ReloadResult reload()
    {
        final Path file = running.source();
        try
        {
            final CheckedConfig checked = ConfigLoader.check(file);
            final FulcrumConfig loaded = checked.config();
            ServiceModel.services(loaded); // the same checks config check makes
            checked.warnings().forEach(warning -> logWarning(log, warning));
            reload(loaded);
            return new Views.ReloadResult(true, List.of(), "reloaded " + file + ": " + loaded.services().size()
                + " service(s)");
        }
        catch (final ConfigException e)
        {
            log.event("reload-refused", "reload of " + file + " refused, the running configuration stays in force: "
                + String.join("; ", e.problems().stream().map(ConfigProblem::toString).toList()), "config",
                file.toString());
            return new Views.ReloadResult(false, e.problems().stream().map(ConfigProblem::toString).toList(),
                "refused: the running configuration stays in force");
        }
        catch (final RuntimeException e)
        {
            return new Views.ReloadResult(false, List.of(file + ": " + e.getMessage()),
                "failed: the running configuration stays in force");
        }
    }

    @Override
    public Views.ReloadResult validate(final String yaml)
    {
        try
        {
            final FulcrumConfig loaded = ConfigLoader.parse(Path.of("(submitted)"), yaml);
            ServiceModel.services(loaded);
            return new Views.ReloadResult(true, List.of(), "valid: " + loaded.services().size() + " service(s), "
                + loaded.backendCount() + " backend(s)");
        }
        catch (final ConfigException e)
        {
            return new Views.ReloadResult(false, e.problems().stream().map(ConfigProblem::toString).toList(),
                "invalid");
        }
        catch (final RuntimeException e)
        {
            return new Views.ReloadResult(false, List.of(e.getMessage()), "invalid");
        }
    }

    @Override
    public String configuration()
    {
        try
        {
            return Files.readString(running.source(), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            return "# cannot read " + running.source() + ": " + e.getMessage() + "\n";
        }
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
        if (vrrp != null)
        {
            vrrp.close(); // first: the peer takes the VIPs over while this box still forwards
        }
        if (api != null)
        {
            api.close();
        }
        if (health != null)
        {
            health.close();
        }
        control.shutdownNow();
        proxies.close();
        dataplane.close();
        for (final InterfacePorts ports : interfaces.reversed())
        {
            ports.close();
        }
        log.event("stopped", "stopped; XDP programs and sockets released");
    }
}
