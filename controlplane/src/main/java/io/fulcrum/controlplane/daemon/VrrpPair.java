package io.fulcrum.controlplane.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import io.fulcrum.controlplane.config.VrrpInstanceConfig;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.vrrp.VrrpAgent;
import io.fulcrum.vrrp.VrrpSettings;
import io.fulcrum.vrrp.VrrpState;

/**
 * The appliance's side of a VRRP pair: the configured instances on a VRRP agent (its own real-time thread), with the
 * data plane's liveness tracked so that a box whose workers stalled gives mastership up, and every state change in
 * the event log and the status the API shows.
 */
final class VrrpPair implements AutoCloseable
{
    /** A worker that has not finished a duty cycle for this long is stalled: the box must not keep the VIPs. */
    static final Duration STALL_LIMIT = Duration.ofSeconds(1);

    private final VrrpAgent agent;
    private final List<VrrpInstanceConfig> instances;
    private final Map<String, Integer> priorities = new ConcurrentHashMap<>();

    private VrrpPair(final VrrpAgent agent, final List<VrrpInstanceConfig> instances)
    {
        this.agent = agent;
        this.instances = instances;
    }

    static VrrpPair start(final List<VrrpInstanceConfig> instances, final CountersSupplier counters,
        final EventLog log)
    {
        return start(instances, counters, log, (name, state) -> { });
    }

    /** As {@link #start(List, CountersSupplier, EventLog)}, telling {@code onState} every instance's new state. */
    static VrrpPair start(final List<VrrpInstanceConfig> instances, final CountersSupplier counters,
        final EventLog log, final java.util.function.BiConsumer<String, VrrpState> onState)
    {
        final List<VrrpSettings> settings = new ArrayList<>();
        for (final VrrpInstanceConfig instance : instances)
        {
            settings.add(settings(instance));
        }
        final Map<String, Integer> priorities = new ConcurrentHashMap<>();
        final VrrpAgent agent = VrrpAgent.start(settings, (name, from, to, priority, reason) ->
        {
            priorities.put(name, priority);
            log.event("vrrp-" + to.name().toLowerCase(), "(" + name + ") Entering " + to + " STATE (" + reason + ")",
                "instance", name, "from", from.name().toLowerCase(), "state", to.name().toLowerCase(),
                "priority", priority);
            onState.accept(name, to);
        });
        final VrrpPair pair = new VrrpPair(agent, instances);
        pair.priorities.putAll(priorities);
        for (final VrrpInstanceConfig instance : instances)
        {
            pair.priorities.putIfAbsent(instance.name(), instance.priority());
            agent.track(instance.name(), "data plane duty cycles", new Liveness(counters));
        }
        return pair;
    }

    private static VrrpSettings settings(final VrrpInstanceConfig config)
    {
        final VrrpSettings.Builder builder = VrrpSettings.builder(config.name(), config.interfaceName(), config.vrid())
            .priority(config.priority())
            .advertInterval(config.advertInterval())
            .virtualAddresses(config.virtualAddresses().toArray(String[]::new))
            .preempt(config.preempt())
            .preemptDelay(config.preemptDelay())
            .garp(config.garpCount(), Duration.ofSeconds(5), config.garpRefresh())
            .useVirtualMac(config.virtualMac())
            .acceptMode(config.accept());
        config.unicastPeers().forEach(builder::unicastPeer);
        config.sourceAddress().ifPresent(builder::sourceAddress);
        config.notifyProgram().ifPresent(builder::notifyProgram);
        config.syncGroup().ifPresent(builder::syncGroup);
        return builder.build();
    }

    List<Views.Vrrp> views()
    {
        final List<Views.Vrrp> views = new ArrayList<>();
        for (final VrrpInstanceConfig instance : instances)
        {
            final VrrpState state = agent.state(instance.name());
            views.add(new Views.Vrrp(instance.name(), instance.vrid(), state.name().toLowerCase(),
                priorities.getOrDefault(instance.name(), instance.priority())));
        }
        return views;
    }

    /** Graceful: a master sends priority 0 so the peer takes over after Skew_Time alone, and gives its VIPs up. */
    @Override
    public void close()
    {
        agent.close();
    }

    /** Reads the data plane's counters. */
    @FunctionalInterface
    interface CountersSupplier
    {
        CounterTotals read();
    }

    /** True while the workers' duty-cycle counters keep moving: a stalled worker stops them. */
    private static final class Liveness implements BooleanSupplier
    {
        private final CountersSupplier counters;
        private long lastCycles = -1;
        private long lastChange = System.nanoTime();

        Liveness(final CountersSupplier counters)
        {
            this.counters = counters;
        }

        @Override
        public boolean getAsBoolean()
        {
            final CounterTotals totals = counters.read();
            final long cycles = totals.total(CounterType.WORKER_BUSY_CYCLES) + totals.total(CounterType.WORKER_IDLE_CYCLES);
            final long now = System.nanoTime();
            if (cycles != lastCycles)
            {
                lastCycles = cycles;
                lastChange = now;
                return true;
            }
            return now - lastChange < STALL_LIMIT.toNanos();
        }
    }
}
