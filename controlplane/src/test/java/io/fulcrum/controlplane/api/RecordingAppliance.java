package io.fulcrum.controlplane.api;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.fulcrum.controlplane.daemon.AdminState;
import io.fulcrum.controlplane.daemon.ApplianceControl;
import io.fulcrum.controlplane.daemon.UpgradeProgram;
import io.fulcrum.controlplane.daemon.Views;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.stats.CountersRegistry;
import io.fulcrum.dataplane.stats.DropReason;
import io.fulcrum.dataplane.stats.WorkerCounters;
import io.fulcrum.dataplane.sync.SyncCounters;

/**
 * An appliance for the API's tests: two services, four backends in two pools, one VRRP instance, counters of two
 * workers in a real (in-memory) counters file. It records every call, reads included, so a test can check that a
 * refused request reached nothing.
 */
public final class RecordingAppliance implements ApplianceControl
{
    public static final String VERSION = "0.1.0-test";
    public static final String CONFIGURATION = "# fulcrum.yaml\nservices:\n  - name: web\n";
    public static final String BAD_MARKER = "port: 70000";
    public static final String PROBLEM = "fulcrum.yaml:4:11: services[0].port: must be from 1 to 65535";

    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<MutableBackend> backends = new ArrayList<>();
    private final CountersFile counters = CountersFile.inMemory(256);
    private volatile Views.ReloadResult nextReload = new Views.ReloadResult(true, List.of(), "OK (2 services, 4 backends)");
    private volatile boolean trafficFlows;
    private String vrrpState = "MASTER";
    private volatile Path upgradeUploads;
    private volatile UpgradeProgram upgradeProgram;

    private static final class MutableBackend
    {
        final String pool;
        final String address;
        final String health;
        final List<Views.HealthResult> history;
        AdminState admin = AdminState.ENABLED;
        int weight = 100;
        long packets;

        MutableBackend(final String pool, final String address, final String health, final long packets,
            final List<Views.HealthResult> history)
        {
            this.pool = pool;
            this.address = address;
            this.health = health;
            this.packets = packets;
            this.history = history;
        }

        String effective()
        {
            if (admin == AdminState.DISABLED || health.equals("down"))
            {
                return "down";
            }
            return admin == AdminState.DRAINING ? "draining" : "active";
        }

        /** Every request answered within 2.5 ms but one in a hundred, which took up to 50 ms. */
        private static Views.ResponseTimes responseTimes(final long requests)
        {
            if (requests == 0)
            {
                return Views.ResponseTimes.NONE;
            }
            final List<Double> bounds = List.of(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05);
            final long slow = Math.max(1, requests / 100);
            return new Views.ResponseTimes(requests, requests * 0.002, bounds,
                List.of(0L, 0L, 0L, 0L, requests - slow, 0L, 0L, 0L, slow, 0L));
        }

        Views.Backend view()
        {
            return new Views.Backend(pool, address, weight, admin, health, effective(), history, packets,
                packets * 100, packets / 10, (int)(packets % 7), packets / 1000.0, health.equals("down"),
                packets / 10, responseTimes(packets / 10));
        }
    }

    public RecordingAppliance()
    {
        final Instant at = Instant.parse("2026-11-25T12:00:00Z");
        backends.add(new MutableBackend("web", "10.0.0.1", "up", 1000,
            List.of(new Views.HealthResult(at, true, 3, "HTTP 200"))));
        backends.add(new MutableBackend("web", "10.0.0.2", "down", 400,
            List.of(new Views.HealthResult(at, false, 2000, "connect timed out"))));
        backends.add(new MutableBackend("web", "10.0.0.3", "up", 600,
            List.of(new Views.HealthResult(at, true, 4, "HTTP 200"))));
        backends.add(new MutableBackend("dns", "2001:db8::53", "unchecked", 50, List.of()));
        backends.get(2).admin = AdminState.DRAINING;

        final CountersRegistry registry = new CountersRegistry(counters);
        final WorkerCounters first = registry.newWorker();
        final WorkerCounters second = registry.newWorker();
        first.rxPackets().set(1500);
        second.rxPackets().set(600);
        first.txPackets().set(1400);
        second.txPackets().set(600);
        first.drop(DropReason.NO_SERVICE).set(7);
        second.drop(DropReason.NO_SERVICE).set(3);
        second.drop(DropReason.MALFORMED).set(2);
        first.drop(DropReason.MEANT_FOR_HOST).set(4);
        first.activeFlows().set(30);
        second.activeFlows().set(12);
        first.busyCycles().set(250);
        first.idleCycles().set(750);
        second.busyCycles().set(50);
        second.idleCycles().set(950);
        // Connection sync, as the master of a pair writes it.
        final SyncCounters sync = new SyncCounters(registry.manager());
        sync.get(SyncCounters.ROLE).set(1);
        sync.get(SyncCounters.RECORDS_SENT).set(1200);
        sync.get(SyncCounters.REFUSED_AUTHENTICATION).set(1);
        sync.get(SyncCounters.MEMORY_BYTES).set(3_622_912);
        sync.get(SyncCounters.MAX_BYTES_PER_SECOND).set(1_250_000);
        SyncCounters.ringDropped(registry.manager(), 0).set(4);
        SyncCounters.ringDropped(registry.manager(), 1).set(5);
    }

    /** The calls seen so far, e.g. {@code services} or {@code setAdminState web 10.0.0.3 DRAINING}. */
    public List<String> calls()
    {
        synchronized (calls)
        {
            return List.copyOf(calls);
        }
    }

    public void clearCalls()
    {
        calls.clear();
    }

    /** From now on every read of services or backends sees 100 more packets per backend, as live traffic would. */
    public void letTrafficFlow()
    {
        trafficFlows = true;
    }

    public void nextReload(final Views.ReloadResult result)
    {
        nextReload = result;
    }

    public synchronized void vrrpState(final String state)
    {
        vrrpState = state;
    }

    @Override
    public synchronized Views.Status status()
    {
        calls.add("status");
        return new Views.Status(VERSION, Instant.parse("2026-11-25T11:00:00Z"), 3725, "/etc/fulcrum/fulcrum.yaml",
            "af_xdp", 2, List.of(new Views.Vrrp("vi_1", 51, vrrpState, 150)),
            new Views.Sync(true, "master", "10.200.9.2:7946", 1200, 0, 3, 1, 0, 3_622_912, 1_250_000));
    }

    @Override
    public synchronized List<Views.Service> services()
    {
        calls.add("services");
        flow();
        final Views.Service web = service("web", "192.0.2.10", 80, "tcp", "web");
        final long requests = web.packets() / 10;
        final Views.Service site = new Views.Service("site", "192.0.2.11", 80, "tcp", "ipip", "web", 0, 0, 0,
            web.backends(), "http", "least-response-time", java.util.Map.of("requests", requests, "responses2xx",
            requests - requests / 50, "responses5xx", requests / 50, "badRequests", 1L, "noBackend", 0L,
            "badGateway", requests / 100, "gatewayTimeouts", 0L, "retries", requests / 100));
        final Views.Service relay = new Views.Service("relay", "192.0.2.12", 5432, "tcp", "ipip", "web", 0, 0, 0,
            web.backends(), "tcp", "least-connections", java.util.Map.of("accepted", requests, "active", 3L,
            "refused", 0L, "noBackend", 0L, "connectFailures", 1L, "retries", 1L));
        return List.of(web, service("dns", "2001:db8::10", 53, "udp", "dns"), site, relay);
    }

    private Views.Service service(final String name, final String vip, final int port, final String protocol,
        final String pool)
    {
        final List<Views.Backend> members = new ArrayList<>();
        long packets = 0;
        for (final MutableBackend backend : backends)
        {
            if (backend.pool.equals(pool))
            {
                members.add(backend.view());
                packets += backend.packets;
            }
        }
        return new Views.Service(name, vip, port, protocol, "ipip", pool, packets, packets * 100, packets / 10,
            members, "dsr", "maglev", java.util.Map.of());
    }

    @Override
    public synchronized List<Views.Backend> backends()
    {
        calls.add("backends");
        flow();
        return backends.stream().map(MutableBackend::view).toList();
    }

    private void flow()
    {
        if (trafficFlows)
        {
            for (final MutableBackend backend : backends)
            {
                backend.packets += backend.effective().equals("down") ? 0 : 100;
            }
        }
    }

    @Override
    public synchronized CounterTotals counters()
    {
        calls.add("counters");
        return CounterTotals.read(counters.reader());
    }

    @Override
    public synchronized void setAdminState(final String pool, final String address, final AdminState state)
    {
        calls.add("setAdminState " + pool + " " + address + " " + state);
        find(pool, address).admin = state;
    }

    @Override
    public synchronized void setWeight(final String pool, final String address, final int weight)
    {
        calls.add("setWeight " + pool + " " + address + " " + weight);
        if (weight < 0 || weight > 65535)
        {
            throw new IllegalArgumentException("weight " + weight + " is out of range (0 to 65535)");
        }
        find(pool, address).weight = weight;
    }

    private MutableBackend find(final String pool, final String address)
    {
        for (final MutableBackend backend : backends)
        {
            if (backend.pool.equals(pool) && backend.address.equals(address))
            {
                return backend;
            }
        }
        throw new IllegalArgumentException("pool " + pool + " has no backend " + address);
    }

    @Override
    public Views.ReloadResult reload()
    {
        calls.add("reload");
        return nextReload;
    }

    @Override
    public Views.ReloadResult validate(final String yaml)
    {
        calls.add("validate " + yaml.length() + " chars");
        return yaml.contains(BAD_MARKER)
            ? new Views.ReloadResult(false, List.of(PROBLEM), "1 problem; nothing changed")
            : new Views.ReloadResult(true, List.of(), "OK (2 services, 4 backends)");
    }

    @Override
    public String configuration()
    {
        calls.add("configuration");
        return CONFIGURATION;
    }

    /** Where {@link #upgradeUploads} says uploads go; null (the default) plays a machine without the installer. */
    public void upgradeUploads(final Path directory)
    {
        upgradeUploads = directory;
    }

    /** Healthy while the VRRP instance is MASTER or BACKUP, as the daemon decides. */
    @Override
    public synchronized Views.Health health()
    {
        calls.add("health");
        return vrrpState.equals("MASTER") || vrrpState.equals("BACKUP")
            ? new Views.Health(true, VERSION, List.of())
            : new Views.Health(false, VERSION, List.of("VRRP instance vi_1 is " + vrrpState.toLowerCase()));
    }

    @Override
    public Path upgradeUploads()
    {
        calls.add("upgradeUploads");
        return upgradeUploads;
    }

    @Override
    public Views.Upgrade upgrade(final Path file, final String sha256)
    {
        calls.add("upgrade " + file.getFileName() + " " + sha256);
        return new Views.Upgrade(true, file.toString(), sha256, "installing");
    }

    /** From now on the upgrade status is what {@code program} says (null: a fixed slot table). */
    public void upgradeProgram(final UpgradeProgram program)
    {
        upgradeProgram = program;
    }

    @Override
    public String upgradeStatus()
    {
        calls.add("upgradeStatus");
        final UpgradeProgram program = upgradeProgram;
        return program == null ? "SLOT  VERSION\na     " + VERSION + "\n" : program.slots();
    }
}
