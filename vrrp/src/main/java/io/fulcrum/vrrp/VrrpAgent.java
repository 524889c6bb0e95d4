package io.fulcrum.vrrp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import io.fulcrum.dataplane.sys.EventFds;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.sys.Rtnetlink;
import io.fulcrum.dataplane.sys.Scheduling;

/**
 * Runs VRRP instances on one dedicated thread: receives adverts on raw sockets, fires the state machines' timers,
 * sends adverts, moves the virtual addresses. The thread asks for SCHED_FIFO so that busy-polling data-plane workers
 * and the collector cannot delay its adverts (it logs and carries on at normal priority when not permitted).
 *
 * <p>Operator surface as keepalived's: one line per state change, {@code (NAME) Entering MASTER STATE}, and a notify
 * program run as {@code PROGRAM NAME STATE PRIORITY}. Tracking: the link of each instance is watched (down: FAULT);
 * {@link #track} registers liveness checks; {@link #setPriority}, {@link #fault} and {@link #clearFault} let the caller
 * push pool health in. Sync groups ({@link VrrpSettings#syncGroup}) move together.
 *
 * <p>All public methods are thread-safe; changes are handed to the agent thread. Each instance runs as a
 * {@link RunningInstance} (its state machine and what it drives, with its {@link VirtualMac} when configured), adverts
 * arrive through one {@link AdvertChannel} per interface and family, and {@link InstanceTracker} holds links, checks,
 * reported faults and sync groups.
 */
public final class VrrpAgent implements AutoCloseable
{
    /**
     * The agent's lines, whichever of its classes writes them (instances, channels, tracking): one logger to set a
     * level on, as when they were all written here.
     */
    static final System.Logger LOG = System.getLogger(VrrpAgent.class.getName());
    /** keepalived runs its VRRP process at real-time priority too; any value above the workers' (none) works. */
    private static final int REALTIME_PRIORITY = 20;
    /** How often links and liveness checks are read. */
    private static final long CHECK_NANOS = 100_000_000L;
    private static final int MAX_POLL_MILLIS = 100;
    private static final long START_TIMEOUT_SECONDS = 15;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;

    private final List<VrrpSettings> settings;
    private final VrrpListener listener;
    private final String networkNamespace;
    /** Filled on the agent thread before {@link #started} completes; only read after. */
    private final Map<String, RunningInstance> instances = new LinkedHashMap<>();
    private final List<AdvertChannel> channels = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final NotifyPrograms notifier = new NotifyPrograms();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean graceful = true;
    private volatile boolean realtime;
    private Rtnetlink rtnetlink;
    private InstanceTracker tracker;
    private AcceptModeFilter acceptModeFilter;
    private int controlFd = -1;
    private final int wakeFd;
    private boolean wakeClosed;

    private VrrpAgent(final List<VrrpSettings> settings, final VrrpListener listener, final String networkNamespace)
    {
        this.settings = List.copyOf(settings);
        this.listener = listener;
        this.networkNamespace = networkNamespace;
        final Set<String> names = new HashSet<>();
        final Set<String> routers = new HashSet<>();
        for (final VrrpSettings instance : this.settings)
        {
            if (!names.add(instance.name()))
            {
                throw new IllegalArgumentException("two VRRP instances are named " + instance.name());
            }
            if (!routers.add(instance.interfaceName() + "/" + instance.family() + "/" + instance.vrid()))
            {
                throw new IllegalArgumentException(instance.name() + ": VRID " + instance.vrid()
                    + " is already used for IPv" + instance.family() + " on " + instance.interfaceName());
            }
        }
        thread = Thread.ofPlatform().name("vrrp").daemon(true).unstarted(this::run);
        wakeFd = EventFds.open();
    }

    /** Starts the instances in the process's network namespace; returns once sockets are open and all started. */
    public static VrrpAgent start(final List<VrrpSettings> instances, final VrrpListener listener)
    {
        return start(instances, listener, null);
    }

    /**
     * Starts the instances with the agent thread inside {@code networkNamespace} (a name under /run/netns or a path),
     * or the process's namespace when null. Throws when an interface is missing or a socket cannot be opened.
     */
    public static VrrpAgent start(final List<VrrpSettings> instances, final VrrpListener listener,
        final String networkNamespace)
    {
        final VrrpAgent agent = new VrrpAgent(instances, listener == null ? VrrpListener.NONE : listener,
            networkNamespace);
        agent.thread.start();
        try
        {
            agent.started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return agent;
        }
        catch (final ExecutionException e)
        {
            agent.running = false;
            agent.closeWake();
            agent.notifier.close();
            final Throwable cause = e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        }
        catch (final TimeoutException | InterruptedException e)
        {
            agent.running = false;
            agent.notifier.close();
            throw new IllegalStateException("VRRP agent did not start within " + START_TIMEOUT_SECONDS + " s", e);
        }
    }

    /** The instance's current state. */
    public VrrpState state(final String name)
    {
        return instance(name).published;
    }

    /** A snapshot of the instance's counters. */
    public VrrpCounters counters(final String name)
    {
        return instance(name).counters();
    }

    /** Names of the instances, in configuration order. */
    public List<String> instances()
    {
        return List.copyOf(instances.keySet());
    }

    /** Whether the agent thread runs at SCHED_FIFO. */
    public boolean realtime()
    {
        return realtime;
    }

    /** Tracking: a new effective priority for the instance (1-255). */
    public void setPriority(final String name, final int priority)
    {
        final RunningInstance instance = instance(name);
        command(() -> instance.machine.priorityChanged(priority));
    }

    /**
     * Tracking: a liveness check, asked every 100 ms on the agent's thread (so it must be quick and never block,
     * e.g. whether the data-plane workers' heartbeat counter moved); while it answers false (or throws) the instance
     * is in FAULT. Registering a check under the same name replaces it.
     */
    public void track(final String name, final String what, final BooleanSupplier check)
    {
        instance(name);
        command(() -> tracker.track(name, what, check));
    }

    /** Tracking: holds the instance in FAULT (a master steps down with priority 0) until {@link #clearFault}. */
    public void fault(final String name, final String why)
    {
        instance(name);
        command(() -> tracker.externalFault(name, why));
    }

    public void clearFault(final String name)
    {
        instance(name);
        command(() -> tracker.externalFault(name, null));
    }

    /**
     * Graceful stop (RFC 9568 Shutdown event): a Master sends priority 0 so that a Backup takes over after its
     * Skew_Time, and every instance gives its addresses up. Waits for the agent thread (bounded).
     */
    @Override
    public void close()
    {
        stop(true);
    }

    /**
     * Stops as a crash would: no priority-0 advert, virtual addresses left where they are (as a SIGKILLed keepalived
     * leaves them). For tests and for a supervisor that knows the box is going away.
     */
    public void abort()
    {
        stop(false);
    }

    private void command(final Runnable command)
    {
        commands.add(command);
        wake();
    }

    /** Wakes the agent thread from poll; the eventfd is closed once, under the same lock, when the agent stops. */
    private synchronized void wake()
    {
        if (!wakeClosed)
        {
            EventFds.signal(wakeFd);
        }
    }

    private synchronized void closeWake()
    {
        if (!wakeClosed)
        {
            wakeClosed = true;
            Libc.close(wakeFd);
        }
    }

    private void stop(final boolean gracefully)
    {
        if (stopped.isDone())
        {
            closeWake();
            return;
        }
        graceful = gracefully;
        running = false;
        wake();
        try
        {
            stopped.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final ExecutionException | TimeoutException e)
        {
            LOG.log(System.Logger.Level.WARNING, "VRRP agent did not stop cleanly: {0}", e.toString());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        closeWake();
        notifier.close();
    }

    /** The instance named; throws on the caller's thread for a name not configured. */
    private RunningInstance instance(final String name)
    {
        final RunningInstance instance = instances.get(name);
        if (instance == null)
        {
            throw new IllegalArgumentException("no VRRP instance named " + name + "; have " + instances.keySet());
        }
        return instance;
    }

    private void run()
    {
        try
        {
            if (networkNamespace != null)
            {
                Namespaces.enter(networkNamespace.startsWith("/") ? networkNamespace
                    : Namespaces.NETNS_RUN_DIR + networkNamespace);
            }
            open();
        }
        catch (final Throwable t)
        {
            closeResources();
            started.completeExceptionally(t);
            stopped.complete(null);
            return;
        }
        try
        {
            raisePriority();
            tracker.start();
            for (final RunningInstance instance : instances.values())
            {
                instance.machine.startup();
            }
            started.complete(null);
            loop();
        }
        catch (final Throwable t)
        {
            if (!started.completeExceptionally(t))
            {
                LOG.log(System.Logger.Level.ERROR, "VRRP agent failed; stopping: " + t, t);
            }
        }
        finally
        {
            if (graceful)
            {
                for (final RunningInstance instance : instances.values())
                {
                    try
                    {
                        instance.machine.shutdown();
                    }
                    catch (final RuntimeException e)
                    {
                        LOG.log(System.Logger.Level.WARNING, "({0}) shutdown: {1}", instance.settings.name(), e);
                    }
                }
            }
            closeResources();
            stopped.complete(null);
        }
    }

    /** Opens one receiving channel per interface and family, then the instances on them; on the agent thread. */
    private void open()
    {
        rtnetlink = Rtnetlink.open();
        controlFd = Libc.socket(AF_INET, SOCK_DGRAM | 0x80000, 0);
        tracker = new InstanceTracker(controlFd);
        final Map<String, AdvertChannel> byKey = new HashMap<>();
        for (final VrrpSettings instance : settings)
        {
            final String key = instance.interfaceName() + "/" + instance.family();
            AdvertChannel channel = byKey.get(key);
            if (channel == null)
            {
                final boolean multicast = settings.stream().anyMatch(other -> !other.unicast()
                    && other.interfaceName().equals(instance.interfaceName()) && other.family() == instance.family());
                channel = new AdvertChannel(VrrpSocket.open(instance.interfaceName(), instance.family(), multicast));
                byKey.put(key, channel);
                channels.add(channel);
            }
            final RunningInstance running = new RunningInstance(instance, channel, rtnetlink, listener, notifier,
                tracker);
            channel.add(running);
            tracker.add(running);
            instances.put(instance.name(), running);
        }
        acceptModeFilter = AcceptModeFilter.install(settings);
    }

    private void raisePriority()
    {
        final int errno = Scheduling.setCurrentThread(Scheduling.SCHED_FIFO, REALTIME_PRIORITY);
        realtime = errno == 0;
        if (realtime)
        {
            LOG.log(System.Logger.Level.INFO, "VRRP thread runs at SCHED_FIFO priority {0}", REALTIME_PRIORITY);
        }
        else
        {
            LOG.log(System.Logger.Level.WARNING, "VRRP thread stays at normal priority: SCHED_FIFO not permitted ({0});"
                + " busy-polling workers on the same cores may delay adverts", Libc.strerror(errno));
        }
    }

    /** Each cycle: the callers' commands, a wait for adverts or the next deadline, the adverts, the timers, tracking. */
    private void loop()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final Poller poller = new Poller(arena, channels, wakeFd);
            final Advert advert = new Advert();
            long nextCheck = System.nanoTime() + CHECK_NANOS;
            while (running)
            {
                runCommands();
                if (poller.await(timeoutNanos(nextCheck)))
                {
                    for (int i = 0; i < channels.size(); i++)
                    {
                        if (poller.readable(i))
                        {
                            channels.get(i).receive(advert);
                        }
                    }
                }
                final long now = System.nanoTime();
                if (masterDownDue(now))
                {
                    // An advert that arrived after the receive above (this thread was descheduled or stopped at a
                    // safepoint in between) must still reset the Master_Down_Timer: read what is queued before
                    // declaring the master dead, or a pause of the JVM becomes a spurious takeover.
                    channels.forEach(channel -> channel.receive(advert));
                }
                for (final RunningInstance instance : instances.values())
                {
                    instance.runDue(now);
                }
                if (now - nextCheck >= 0)
                {
                    nextCheck = now + CHECK_NANOS;
                    tracker.check();
                }
            }
        }
    }

    private void runCommands()
    {
        Runnable command;
        while ((command = commands.poll()) != null)
        {
            command.run();
        }
    }

    /** Until the earliest deadline (the next tracking check, a timer, an announcement), at most MAX_POLL_MILLIS. */
    private long timeoutNanos(final long nextCheck)
    {
        final long before = System.nanoTime();
        long waitNanos = nextCheck - before;
        for (final RunningInstance instance : instances.values())
        {
            final long deadline = instance.nextDeadlineNanos();
            if (deadline != Long.MAX_VALUE)
            {
                waitNanos = Math.min(waitNanos, deadline - before);
            }
        }
        return Math.max(0, Math.min(MAX_POLL_MILLIS * 1_000_000L, waitNanos));
    }

    private boolean masterDownDue(final long now)
    {
        for (final RunningInstance instance : instances.values())
        {
            if (instance.masterDownDue(now))
            {
                return true;
            }
        }
        return false;
    }

    private void closeResources()
    {
        instances.values().forEach(RunningInstance::close);
        if (acceptModeFilter != null)
        {
            acceptModeFilter.close();
        }
        for (final AdvertChannel channel : channels)
        {
            channel.socket.close();
        }
        if (rtnetlink != null)
        {
            rtnetlink.close();
        }
        if (controlFd >= 0)
        {
            Libc.close(controlFd);
        }
    }

    /**
     * ppoll(2) over the channels' sockets and the wake-up eventfd, in memory of the agent thread's arena. To the
     * nanosecond: poll's millisecond timeout, rounded up, made every timer up to 1 ms late, which at 10 ms adverts
     * is a tenth of an interval added to every takeover.
     */
    private static final class Poller
    {
        private static final short POLLIN = 1;
        /** sizeof(struct pollfd {int fd; short events; short revents;}) */
        private static final long POLLFD = 8;

        private final int sockets;
        private final int wakeFd;
        private final MemorySegment capture;
        private final MemorySegment pollFds;
        private final MemorySegment eventCount;
        private final MemorySegment timeout;

        Poller(final Arena arena, final List<AdvertChannel> channels, final int wakeFd)
        {
            this.sockets = channels.size();
            this.wakeFd = wakeFd;
            capture = Libc.errnoSegment(arena);
            pollFds = arena.allocate(POLLFD * (sockets + 1), 4);
            for (int i = 0; i < sockets; i++)
            {
                watch(i, channels.get(i).socket.fd());
            }
            watch(sockets, wakeFd);
            eventCount = arena.allocate(8, 8);
            timeout = arena.allocate(16, 8); // struct timespec
        }

        private void watch(final int index, final int fd)
        {
            pollFds.set(ValueLayout.JAVA_INT, POLLFD * index, fd);
            pollFds.set(ValueLayout.JAVA_SHORT, POLLFD * index + 4, POLLIN);
        }

        /** Waits until a socket is readable, the agent is woken (the eventfd is drained) or the timeout passes. */
        boolean await(final long timeoutNanos)
        {
            timeout.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timeout.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            if (Libc.ppoll(capture, pollFds, sockets + 1, timeout) <= 0)
            {
                return false;
            }
            if (readable(sockets))
            {
                EventFds.drain(wakeFd, capture, eventCount);
            }
            return true;
        }

        /** After an {@link #await} that returned true: whether the channel's socket has something to read. */
        boolean readable(final int index)
        {
            return pollFds.get(ValueLayout.JAVA_SHORT, POLLFD * index + 6) != 0;
        }
    }
}
