package io.fulcrum.controlplane.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;

import io.fulcrum.controlplane.config.TrackedPool;
import io.fulcrum.controlplane.config.VrrpInstanceConfig;
import io.fulcrum.dataplane.forward.AcceptedMacs;
import io.fulcrum.vrrp.VrrpAgent;
import io.fulcrum.vrrp.VrrpListener;
import io.fulcrum.vrrp.VrrpSettings;
import io.fulcrum.vrrp.VrrpState;

/**
 * The appliance's side of a VRRP pair: the configured instances on a VRRP agent (its own real-time thread), with the
 * data plane's liveness tracked so that a box whose workers stalled gives mastership up, the pools' health tracked as
 * configured ({@code track-pools}), the virtual MACs of the instances this box is master of handed to the data plane,
 * and every state change in the event log and the status the API shows.
 */
final class VrrpPair implements AutoCloseable
{
    /** A worker that has not finished a duty cycle for this long is stalled: the box must not keep the VIPs. */
    static final Duration STALL_LIMIT = Duration.ofSeconds(1);

    private final VrrpAgent agent;
    private final List<VrrpInstanceConfig> instances;
    private final Map<String, Integer> priorities;
    private final EventLog log;
    /** Per instance and tracked pool: whether the pool had too few healthy backends at the last evaluation. */
    private final Map<String, Boolean> poolShort = new ConcurrentHashMap<>();
    /** The priority tracking last gave each instance that tracks pools. */
    private final Map<String, Integer> tracked = new ConcurrentHashMap<>();
    /** Read by the agent thread's tracking checks (pools without a weight). */
    private final Map<String, Boolean> shortForChecks = new ConcurrentHashMap<>();

    private VrrpPair(final VrrpAgent agent, final List<VrrpInstanceConfig> instances,
        final Map<String, Integer> priorities, final EventLog log)
    {
        this.agent = agent;
        this.instances = instances;
        this.priorities = priorities;
        this.log = log;
    }

    /**
     * Starts the instances.
     *
     * @param progress     the workers' duty cycles: one stalled worker puts every instance in FAULT
     * @param acceptedMacs where the virtual MACs of the instances this box is master of go
     * @param onState      told every instance's new state
     */
    static VrrpPair start(final List<VrrpInstanceConfig> instances, final WorkerProgress progress,
        final AcceptedMacs acceptedMacs, final EventLog log, final BiConsumer<String, VrrpState> onState)
    {
        final List<VrrpSettings> settings = new ArrayList<>();
        for (final VrrpInstanceConfig instance : instances)
        {
            settings.add(settings(instance));
        }
        final Map<String, Integer> priorities = new ConcurrentHashMap<>();
        final VrrpAgent agent = VrrpAgent.start(settings, new VrrpListener()
        {
            @Override
            public void stateChanged(final String name, final VrrpState from, final VrrpState to, final int priority,
                final String reason)
            {
                priorities.put(name, priority);
                log.event("vrrp-" + to.name().toLowerCase(), "(" + name + ") Entering " + to + " STATE (" + reason
                    + ")", "instance", name, "from", from.name().toLowerCase(), "state", to.name().toLowerCase(),
                    "priority", priority);
                onState.accept(name, to);
            }

            @Override
            public void virtualMacHeld(final String name, final long virtualMac, final boolean held)
            {
                // Held from just before the first announcement to just after the addresses are gone: a backup never
                // forwards what a switch flooded to the virtual MAC, a new master forwards what follows its ARP.
                if (held)
                {
                    acceptedMacs.hold(virtualMac);
                }
                else
                {
                    acceptedMacs.release(virtualMac);
                }
            }
        });
        final VrrpPair pair = new VrrpPair(agent, instances, priorities, log);
        final Liveness liveness = new Liveness(progress);
        for (final VrrpInstanceConfig instance : instances)
        {
            priorities.putIfAbsent(instance.name(), instance.priority());
            agent.track(instance.name(), "data plane duty cycles", liveness);
            for (final TrackedPool pool : instance.trackPools())
            {
                if (pool.faults())
                {
                    final String key = key(instance, pool);
                    agent.track(instance.name(), "pool " + pool.pool() + " (at least " + pool.minHealthy()
                        + " healthy)", () -> !pair.shortForChecks.getOrDefault(key, false));
                }
            }
        }
        return pair;
    }

    private static String key(final VrrpInstanceConfig instance, final TrackedPool pool)
    {
        return instance.name() + "/" + pool.pool();
    }

    /**
     * Pool health changed (or may have): each tracked pool is short while fewer than min-healthy of its backends take
     * new flows ({@code healthyBackends} counts them); weighted pools set the instance's priority, the others hold it
     * in FAULT through the agent's tracking checks. Called by the appliance after every change of backend state.
     */
    synchronized void poolsChanged(final ToIntFunction<String> healthyBackends)
    {
        for (final VrrpInstanceConfig instance : instances)
        {
            if (instance.trackPools().isEmpty())
            {
                continue;
            }
            final List<String> changes = new ArrayList<>();
            int priority = instance.priority();
            for (final TrackedPool pool : instance.trackPools())
            {
                final String key = key(instance, pool);
                final int healthy = healthyBackends.applyAsInt(pool.pool());
                final boolean isShort = healthy < pool.minHealthy();
                final Boolean was = poolShort.put(key, isShort);
                if (was == null ? isShort : was != isShort)
                {
                    changes.add("pool " + pool.pool() + " has " + healthy + " healthy backend(s), "
                        + (isShort ? "fewer than " : "at least ") + pool.minHealthy());
                }
                if (pool.faults())
                {
                    shortForChecks.put(key, isShort);
                }
                else if (pool.weight() < 0 ? isShort : !isShort)
                {
                    priority += pool.weight();
                }
            }
            // As keepalived: weights move a priority within 1-254; the address owner's 255 is never changed.
            final int effective = instance.priority() == 255 ? 255 : Math.max(1, Math.min(254, priority));
            final Integer before = tracked.put(instance.name(), effective);
            if (before == null || before != effective)
            {
                priorities.put(instance.name(), effective);
                agent.setPriority(instance.name(), effective);
            }
            for (final String change : changes)
            {
                log.event("vrrp-track", "(" + instance.name() + ") " + change + "; priority " + effective
                    + (before == null || before == effective ? "" : " (was " + before + ")"), "instance",
                    instance.name(), "priority", effective);
            }
        }
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

    /**
     * True while every worker keeps finishing duty cycles: one stalled worker among running ones is enough to give
     * mastership up (its share of the flows would be black-holed). Asked every 100 ms by the agent, once per instance:
     * the workers' counters are read at most once per tick.
     */
    private static final class Liveness implements BooleanSupplier
    {
        private static final long REUSE_NANOS = 50_000_000L;

        private final WorkerProgress progress;
        private long readAt = System.nanoTime() - REUSE_NANOS;
        private boolean alive = true;

        Liveness(final WorkerProgress progress)
        {
            this.progress = progress;
        }

        @Override
        public boolean getAsBoolean()
        {
            final long now = System.nanoTime();
            if (now - readAt >= REUSE_NANOS)
            {
                readAt = now;
                alive = progress.stalled().isEmpty();
            }
            return alive;
        }
    }
}
