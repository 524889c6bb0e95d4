package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.HealthCheckType;
import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.dataplane.sys.Namespaces;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;

import javax.net.ssl.SSLException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks backends' health: every check of every target runs on one event-loop thread (epoll, or NIO where epoll
 * cannot load), without a thread or a blocking call per check.
 *
 * <p>Each target runs on its own interval, the first run at a random point of its first interval so that thousands
 * of targets do not fire together; the next run is scheduled only when the previous one has ended, one interval after
 * it started, so runs of one target never overlap. States move as {@link HealthState} describes and the listener
 * hears of each change.
 *
 * <p>Fail-open when nothing passes: a failure counts towards {@code fall} only while some other target's last check
 * passed. When every check fails at once, the likelier cause is this appliance's own network (a partitioned LAN port,
 * a switch reboot) rather than every backend dying together, and taking backends down would move their established
 * flows to servers that reset them once the network heals (the fault suite's partition scenario). So the targets keep
 * their state, and when a check passes again every target's failure count starts from zero: a check that was in
 * flight across the heal and fails after it must not complete a count begun while the network was cut. With a single
 * target there is nothing to compare, and it falls as usual; a target still UNKNOWN (no new flows either way) too.
 *
 * <p>{@link #update} and {@link #status} may be called from any thread; the listener is called on the event loop.
 */
public final class HealthChecker implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final HealthListener listener;
    private final Clock clock;
    private final AtomicInteger threadsStarted = new AtomicInteger();
    private final Transport transport;
    private final EventLoop loop;
    private final TunnelProbes tunnels;
    private final Probes probes;
    private final Map<Key, CheckedTarget> targets = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** No check has passed since a failure that no other target's pass corroborated (event loop only). */
    private boolean everyCheckFailing;

    /**
     * @param listener told of every state change, on the event loop
     * @param clock    stamps results ({@link HealthStatus.Result#at()}); durations are measured with nanoTime
     */
    public HealthChecker(final HealthListener listener, final Clock clock)
    {
        this(listener, clock, true);
    }

    /** @param epollWanted false to run on Java NIO even where epoll is available (to test the fallback) */
    HealthChecker(final HealthListener listener, final Clock clock, final boolean epollWanted)
    {
        this(listener, clock, epollWanted, null);
    }

    /**
     * @param netns for tests: the network namespace (a name under /run/netns) every check runs in, its sockets made
     *              by threads that enter it first; null for this process's own
     */
    HealthChecker(final HealthListener listener, final Clock clock, final boolean epollWanted, final String netns)
    {
        this.listener = listener;
        this.clock = clock;
        final ThreadFactory netty = new DefaultThreadFactory("fulcrum-health", true);
        final ThreadFactory counted = task ->
        {
            threadsStarted.incrementAndGet();
            return netty.newThread(netns == null ? task : () ->
            {
                Namespaces.enter(Namespaces.NETNS_RUN_DIR + netns);
                task.run();
            });
        };
        this.transport = Transport.oneThread(counted, epollWanted);
        this.loop = (EventLoop)transport.group().next();
        this.tunnels = new TunnelProbes(loop, counted);
        this.probes = new Probes(transport, tunnels);
    }

    /**
     * Makes {@code wanted} the set of targets: new ones start (UNKNOWN), missing ones stop, and ones already checked
     * keep their state, counters and history, so a reload does not reset health. A target whose check changed keeps
     * them too and runs the new check from its next run. Returns once applied.
     *
     * @throws IllegalArgumentException if two targets have the same pool and address
     */
    public void update(final Collection<HealthTarget> wanted)
    {
        final Map<Key, HealthTarget> byKey = new LinkedHashMap<>();
        for (final HealthTarget target : wanted)
        {
            if (byKey.put(new Key(target.pool(), target.address()), target) != null)
            {
                throw new IllegalArgumentException("target " + IpLiterals.format(target.address()) + " of pool " +
                    target.pool() + " is given twice");
            }
        }
        if (closed)
        {
            throw new IllegalStateException("the health checker is closed");
        }
        for (final HealthTarget target : wanted)
        {
            if (target.check().type() == HealthCheckType.HTTPS)
            {
                try
                {
                    probes.prepareTls(target.check().verify());
                }
                catch (final SSLException e)
                {
                    // Each https check of this kind will fail with this error, in its history, for the operator.
                    LOG.log(System.Logger.Level.ERROR, "cannot set up TLS for https health checks", e);
                }
            }
        }
        if (loop.inEventLoop())
        {
            apply(byKey);
        }
        else
        {
            loop.submit(() -> apply(byKey)).syncUninterruptibly();
        }
    }

    /** @return the target's state and recent results; null when {@code (pool, address)} is not a target */
    public HealthStatus status(final String pool, final InetAddress address)
    {
        final CheckedTarget target = targets.get(new Key(pool, address));
        return target == null ? null : target.status();
    }

    /** Stops every check and the event-loop thread; waits for it unless called on it. */
    @Override
    public void close()
    {
        closed = true;
        if (loop.inEventLoop())
        {
            tunnels.close();
            transport.group().shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        else
        {
            if (!loop.isShuttingDown())
            {
                loop.submit(tunnels::close).syncUninterruptibly();
            }
            transport.group().shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** For tests: how many threads the checker has started. */
    int threadsStarted()
    {
        return threadsStarted.get();
    }

    /** "epoll" or "nio". */
    String transportName()
    {
        return transport.name();
    }

    private void apply(final Map<Key, HealthTarget> wanted)
    {
        for (final Iterator<Map.Entry<Key, CheckedTarget>> it = targets.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<Key, CheckedTarget> entry = it.next();
            if (!wanted.containsKey(entry.getKey()))
            {
                stop(entry.getValue());
                it.remove();
            }
        }
        for (final Map.Entry<Key, HealthTarget> entry : wanted.entrySet())
        {
            final CheckedTarget existing = targets.get(entry.getKey());
            if (existing == null)
            {
                final CheckedTarget target = new CheckedTarget(entry.getValue());
                targets.put(entry.getKey(), target);
                schedule(target, jitter(target));
            }
            else if (!existing.check.equals(entry.getValue().check()) ||
                !existing.tunnel.equals(entry.getValue().tunnel()))
            {
                existing.check = entry.getValue().check();
                existing.tunnel = entry.getValue().tunnel();
                if (existing.inFlight == null)
                {
                    existing.next.cancel(false);
                    schedule(existing, jitter(existing));
                }
            }
        }
        final Set<InetAddress> vips = new HashSet<>();
        for (final CheckedTarget target : targets.values())
        {
            target.tunnel.ifPresent(tunnel -> vips.add(tunnel.vip()));
        }
        tunnels.follow(vips);
    }

    private static long jitter(final CheckedTarget target)
    {
        return ThreadLocalRandom.current().nextLong(target.check.interval().toMillis());
    }

    private void stop(final CheckedTarget target)
    {
        target.stopped = true;
        if (target.next != null)
        {
            target.next.cancel(false);
        }
        if (target.inFlight != null)
        {
            target.inFlight.fail("stopped"); // closes its channel; the result is ignored
            target.inFlight = null;
        }
    }

    private void schedule(final CheckedTarget target, final long delayMillis)
    {
        target.next = loop.schedule(() -> run(target), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void run(final CheckedTarget target)
    {
        if (target.stopped)
        {
            return;
        }
        final long run = ++target.runs;
        final long started = System.nanoTime();
        final CheckRun check = new CheckRun(target.check.timeout().toMillis(),
            (ok, detail) -> completed(target, run, started, ok, detail));
        target.inFlight = check;
        try
        {
            probes.start(loop, target.address, target.check, target.tunnel.orElse(null), check);
        }
        catch (final RuntimeException e)
        {
            check.fail(e);
        }
    }

    private void completed(final CheckedTarget target, final long run, final long started, final boolean ok,
        final String detail)
    {
        if (target.stopped || run != target.runs)
        {
            return;
        }
        target.inFlight = null;
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        final boolean corroborated = ok || targets.size() < 2 || anotherPasses(target);
        if (!corroborated && !everyCheckFailing)
        {
            everyCheckFailing = true;
            LOG.log(System.Logger.Level.WARNING, "every health check is failing: suspecting this appliance's own "
                + "network, so these failures do not take backends down (first: " + target.pool + " "
                + IpLiterals.format(target.address) + ")");
        }
        else if (ok && everyCheckFailing)
        {
            everyCheckFailing = false;
            targets.values().forEach(CheckedTarget::forgetFailures);
            LOG.log(System.Logger.Level.WARNING, "a health check passes again (" + target.pool + " "
                + IpLiterals.format(target.address) + "): failures count again, from zero");
        }
        final String reason = target.record(new HealthStatus.Result(clock.instant(), ok, millis, detail), corroborated);
        if (reason != null)
        {
            try
            {
                listener.changed(target.pool, target.address, target.status().state(), reason);
            }
            catch (final RuntimeException e)
            {
                LOG.log(System.Logger.Level.ERROR, "health listener failed on " + target.pool + " " +
                    IpLiterals.format(target.address), e);
            }
        }
        if (!closed && !target.stopped)
        {
            schedule(target, Math.max(0, target.check.interval().toMillis() - millis));
        }
    }

    private boolean anotherPasses(final CheckedTarget failed)
    {
        for (final CheckedTarget other : targets.values())
        {
            if (other != failed && !other.stopped && other.lastPassed())
            {
                return true;
            }
        }
        return false;
    }

    private record Key(String pool, InetAddress address)
    {
    }
}
