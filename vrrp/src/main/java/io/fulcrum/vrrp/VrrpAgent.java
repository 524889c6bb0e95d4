package io.fulcrum.vrrp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.sys.EventFds;
import io.fulcrum.dataplane.sys.InterfaceFlags;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.sys.NetDevices;
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
 * <p>All public methods are thread-safe; changes are handed to the agent thread.
 */
public final class VrrpAgent implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(VrrpAgent.class.getName());
    /** keepalived runs its VRRP process at real-time priority too; any value above the workers' (none) works. */
    private static final int REALTIME_PRIORITY = 20;
    private static final long LINK_CHECK_NANOS = 100_000_000L;
    /** Announcements of a virtual MAC whose adverts go unicast from the parent: once a minute unless configured. */
    private static final long UNICAST_VIRTUAL_MAC_REFRESH_NANOS = 60_000_000_000L;
    private static final int MAX_POLL_MILLIS = 100;
    private static final long START_TIMEOUT_SECONDS = 15;
    private static final short POLLIN = 1;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;

    private final List<VrrpSettings> settings;
    private final VrrpListener listener;
    private final String networkNamespace;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final List<Channel> channels = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final NotifyPrograms notifier = new NotifyPrograms();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean graceful = true;
    private volatile boolean realtime;
    private boolean syncing;
    private Rtnetlink rtnetlink;
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
        return entry(name).published;
    }

    /** A snapshot of the instance's counters. */
    public VrrpCounters counters(final String name)
    {
        final Entry entry = entry(name);
        final long[] rejected = new long[AdvertReject.CODES];
        for (int code = 0; code < AdvertReject.CODES; code++)
        {
            rejected[code] = entry.channel.rejected.get(code) + entry.rejected.get(code);
        }
        return new VrrpCounters(entry.sent, entry.received, entry.sendErrors, entry.becameMaster,
            entry.announcements, rejected);
    }

    /** Names of the instances, in configuration order. */
    public List<String> instances()
    {
        return List.copyOf(entries.keySet());
    }

    /** Whether the agent thread runs at SCHED_FIFO. */
    public boolean realtime()
    {
        return realtime;
    }

    /** Tracking: a new effective priority for the instance (1-255). */
    public void setPriority(final String name, final int priority)
    {
        final Entry entry = entry(name);
        command(() -> entry.instance.priorityChanged(priority));
    }

    /**
     * Tracking: a liveness check, asked every 100 ms on the agent's thread (so it must be quick and never block,
     * e.g. whether the data-plane workers' heartbeat counter moved); while it answers false (or throws) the instance
     * is in FAULT. Registering a check under the same name replaces it.
     */
    public void track(final String name, final String what, final BooleanSupplier check)
    {
        final Entry entry = entry(name);
        command(() -> entry.checks.put(what, check));
    }

    /** Tracking: holds the instance in FAULT (a master steps down with priority 0) until {@link #clearFault}. */
    public void fault(final String name, final String why)
    {
        final Entry entry = entry(name);
        command(() ->
        {
            entry.externalFault = why;
            reconcileFaults();
        });
    }

    public void clearFault(final String name)
    {
        final Entry entry = entry(name);
        command(() ->
        {
            entry.externalFault = null;
            reconcileFaults();
        });
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

    private Entry entry(final String name)
    {
        final Entry entry = entries.get(name);
        if (entry == null)
        {
            throw new IllegalArgumentException("no VRRP instance named " + name + "; have " + entries.keySet());
        }
        return entry;
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
            for (final Entry entry : entries.values())
            {
                entry.linkUp = linkUp(entry);
            }
            reconcileFaults();
            for (final Entry entry : entries.values())
            {
                entry.instance.startup();
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
                for (final Entry entry : entries.values())
                {
                    try
                    {
                        entry.instance.shutdown();
                    }
                    catch (final RuntimeException e)
                    {
                        LOG.log(System.Logger.Level.WARNING, "({0}) shutdown: {1}", entry.settings.name(), e);
                    }
                }
            }
            closeResources();
            stopped.complete(null);
        }
    }

    private void open()
    {
        rtnetlink = Rtnetlink.open();
        controlFd = Libc.socket(AF_INET, SOCK_DGRAM | 0x80000, 0);
        final Map<String, Channel> byKey = new HashMap<>();
        for (final VrrpSettings instance : settings)
        {
            final String key = instance.interfaceName() + "/" + instance.family();
            Channel channel = byKey.get(key);
            if (channel == null)
            {
                final boolean multicast = settings.stream().anyMatch(other -> !other.unicast()
                    && other.interfaceName().equals(instance.interfaceName()) && other.family() == instance.family());
                channel = new Channel(VrrpSocket.open(instance.interfaceName(), instance.family(), multicast));
                byKey.put(key, channel);
                channels.add(channel);
            }
            final Entry entry = new Entry(instance, channel);
            channel.vrids.add(instance.vrid());
            channel.byVrid[instance.vrid()] = entry;
            entries.put(instance.name(), entry);
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

    private void loop()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment capture = Libc.errnoSegment(arena);
            // struct pollfd {int fd; short events; short revents;}: the sockets, then the wake-up eventfd
            final int sockets = channels.size();
            final MemorySegment pollFds = arena.allocate(8L * (sockets + 1), 4);
            for (int i = 0; i < sockets; i++)
            {
                pollFds.set(ValueLayout.JAVA_INT, 8L * i, channels.get(i).socket.fd());
                pollFds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, POLLIN);
            }
            pollFds.set(ValueLayout.JAVA_INT, 8L * sockets, wakeFd);
            pollFds.set(ValueLayout.JAVA_SHORT, 8L * sockets + 4, POLLIN);
            final MemorySegment eventCount = arena.allocate(8, 8);
            final MemorySegment timeout = arena.allocate(16, 8); // struct timespec

            final Advert advert = new Advert();
            long nextLinkCheck = System.nanoTime() + LINK_CHECK_NANOS;
            while (running)
            {
                Runnable command;
                while ((command = commands.poll()) != null)
                {
                    command.run();
                }
                final long deadline = nextLinkCheck;
                final long before = System.nanoTime();
                long waitNanos = deadline - before;
                for (final Entry entry : entries.values())
                {
                    final long timer = entry.instance.nextDeadlineNanos();
                    if (timer != Long.MAX_VALUE)
                    {
                        waitNanos = Math.min(waitNanos, timer - before);
                    }
                    if (entry.nextAnnounce != Long.MAX_VALUE)
                    {
                        waitNanos = Math.min(waitNanos, entry.nextAnnounce - before);
                    }
                }
                // ppoll to the nanosecond: poll's millisecond timeout, rounded up, made every timer up to 1 ms late,
                // which at 10 ms adverts is a tenth of an interval added to every takeover.
                final long timeoutNanos = Math.max(0, Math.min(MAX_POLL_MILLIS * 1_000_000L, waitNanos));
                timeout.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
                timeout.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
                final int ready = Libc.ppoll(capture, pollFds, sockets + 1, timeout);
                if (ready > 0)
                {
                    if (pollFds.get(ValueLayout.JAVA_SHORT, 8L * sockets + 6) != 0)
                    {
                        EventFds.drain(wakeFd, capture, eventCount);
                    }
                    for (int i = 0; i < sockets; i++)
                    {
                        if (pollFds.get(ValueLayout.JAVA_SHORT, 8L * i + 6) != 0)
                        {
                            receive(channels.get(i), advert);
                        }
                    }
                }
                final long now = System.nanoTime();
                if (timerDue(now))
                {
                    // An advert that arrived after the receive above (this thread was descheduled or stopped at a
                    // safepoint in between) must still reset the Master_Down_Timer: read what is queued before
                    // declaring the master dead, or a pause of the JVM becomes a spurious takeover.
                    for (int i = 0; i < sockets; i++)
                    {
                        receive(channels.get(i), advert);
                    }
                }
                for (final Entry entry : entries.values())
                {
                    final long timer = entry.instance.nextDeadlineNanos();
                    if (timer != Long.MAX_VALUE && now - timer >= 0)
                    {
                        entry.timerDue = timer;
                        entry.timerRan = now;
                        entry.instance.runTimers();
                        entry.timerDue = 0;
                    }
                    if (entry.nextAnnounce != Long.MAX_VALUE && now - entry.nextAnnounce >= 0)
                    {
                        entry.announceDue(now);
                    }
                }
                if (now - nextLinkCheck >= 0)
                {
                    nextLinkCheck = now + LINK_CHECK_NANOS;
                    checkLinks();
                }
            }
        }
    }

    private boolean timerDue(final long now)
    {
        for (final Entry entry : entries.values())
        {
            final long timer = entry.instance.nextDeadlineNanos();
            if (timer != Long.MAX_VALUE && now - timer >= 0 && entry.instance.state() == VrrpState.BACKUP)
            {
                return true;
            }
        }
        return false;
    }

    private void receive(final Channel channel, final Advert advert)
    {
        for (int budget = 0; budget < 64; budget++)
        {
            final int code = channel.socket.receive(channel.vrids, advert);
            if (code == VrrpSocket.NOTHING)
            {
                return;
            }
            if (code != AdvertReject.ACCEPTED)
            {
                channel.reject(code, channel.socket.lastSourceHi(), channel.socket.lastSourceLo());
                continue;
            }
            final Entry entry = channel.byVrid[advert.vrid()];
            if (entry.isOwn(advert.sourceHi(), advert.sourceLo()))
            {
                entry.reject(AdvertReject.OWN);
            }
            else if (entry.settings.unicast() && !entry.isPeer(advert.sourceHi(), advert.sourceLo()))
            {
                entry.reject(AdvertReject.UNKNOWN_PEER);
            }
            else
            {
                entry.received++;
                entry.instance.advertReceived(advert);
            }
        }
    }

    /** Every 100 ms: the links, and the liveness checks registered with {@link #track}. */
    private void checkLinks()
    {
        boolean changed = false;
        for (final Entry entry : entries.values())
        {
            final boolean up = linkUp(entry);
            String failing = null;
            for (final Map.Entry<String, BooleanSupplier> check : entry.checks.entrySet())
            {
                if (!healthy(entry, check.getKey(), check.getValue()))
                {
                    failing = check.getKey();
                    break;
                }
            }
            if (up != entry.linkUp || !java.util.Objects.equals(failing, entry.failingCheck))
            {
                entry.linkUp = up;
                entry.failingCheck = failing;
                changed = true;
            }
        }
        if (changed)
        {
            reconcileFaults();
        }
    }

    private static boolean healthy(final Entry entry, final String what, final BooleanSupplier check)
    {
        try
        {
            return check.getAsBoolean();
        }
        catch (final RuntimeException e)
        {
            LOG.log(System.Logger.Level.WARNING, "({0}) check {1} threw {2}: counted as failed", entry.settings.name(),
                what, e.toString());
            return false;
        }
    }

    /** Why the entry itself must be out (link down, or a fault the caller reported), or null. */
    private static String ownFault(final Entry entry)
    {
        if (!entry.linkUp)
        {
            return "link " + entry.settings.interfaceName() + " is down";
        }
        if (entry.failingCheck != null)
        {
            return entry.failingCheck + " failed";
        }
        return entry.externalFault;
    }

    /**
     * Puts into FAULT every instance with a fault of its own or, in a sync group, a member with one; takes the others
     * out of FAULT (they start again as at startup).
     */
    private void reconcileFaults()
    {
        for (final Entry entry : entries.values())
        {
            String why = ownFault(entry);
            if (why == null && entry.settings.syncGroup() != null)
            {
                for (final Entry member : entries.values())
                {
                    if (member != entry && entry.settings.syncGroup().equals(member.settings.syncGroup())
                        && ownFault(member) != null)
                    {
                        why = "sync group " + entry.settings.syncGroup() + ": (" + member.settings.name() + ") "
                            + ownFault(member);
                        break;
                    }
                }
            }
            if (why != null)
            {
                entry.instance.faultDetected(why);
            }
            else
            {
                entry.instance.faultCleared();
            }
        }
    }

    /** Sync group: a member became Master or fell back to Backup; the others follow (not recursively). */
    private void followSyncGroup(final Entry changed, final VrrpState from, final VrrpState to)
    {
        if (changed.settings.syncGroup() == null || syncing)
        {
            return;
        }
        syncing = true;
        try
        {
            for (final Entry member : entries.values())
            {
                if (member == changed || !changed.settings.syncGroup().equals(member.settings.syncGroup()))
                {
                    continue;
                }
                final String why = "sync group " + changed.settings.syncGroup() + ": (" + changed.settings.name()
                    + ") is " + to.operatorName();
                if (to == VrrpState.MASTER)
                {
                    member.instance.syncGroupMaster(why);
                }
                else if (to == VrrpState.BACKUP && from == VrrpState.MASTER)
                {
                    member.instance.syncGroupBackup(why);
                }
            }
        }
        finally
        {
            syncing = false;
        }
    }

    private boolean linkUp(final Entry entry)
    {
        return InterfaceFlags.isUpAndRunning(InterfaceFlags.flags(controlFd, entry.settings.interfaceName()));
    }

    private void closeResources()
    {
        for (final Entry entry : entries.values())
        {
            entry.owner.close();
            entry.arena.close();
            if (entry.virtualMacIfIndex != 0)
            {
                entry.virtualMacSocket.close();
                try
                {
                    rtnetlink.removeLink(entry.virtualMacIfIndex);
                }
                catch (final RuntimeException e)
                {
                    LOG.log(System.Logger.Level.WARNING, "({0}) cannot remove its macvlan: {1}",
                        entry.settings.name(), e.toString());
                }
            }
        }
        if (acceptModeFilter != null)
        {
            acceptModeFilter.close();
        }
        for (final Channel channel : channels)
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

    /** The sockets of one interface and family, and the instances on it by VRID. */
    private static final class Channel
    {
        final VrrpSocket socket;
        final VridSet vrids = new VridSet();
        final Entry[] byVrid = new Entry[256];
        final AtomicLongArray rejected = new AtomicLongArray(AdvertReject.CODES);

        Channel(final VrrpSocket socket)
        {
            this.socket = socket;
        }

        void reject(final int code, final long sourceHi, final long sourceLo)
        {
            final long count = rejected.get(code) + 1;
            rejected.lazySet(code, count);
            if (count == 1 || Long.bitCount(count) == 1 && count >= 1024)
            {
                LOG.log(System.Logger.Level.WARNING, "VRRP on {0}: dropped an advert from {1}: {2} ({3} so far)",
                    socket.interfaceName(), IpAddresses.format(sourceHi, sourceLo), AdvertReject.name(code), count);
            }
        }
    }

    /** One instance: its state machine, the output it drives, its counters. */
    private final class Entry implements VrrpInstance.Output
    {
        final VrrpSettings settings;
        final Channel channel;
        final VrrpInstance instance;
        final VipOwner owner;
        /** The macvlan of the virtual MAC, or 0 without one. */
        final int virtualMacIfIndex;
        /** Sends adverts from the virtual MAC while it is held (RFC 9568 section 7.3); null without one. */
        final VrrpSocket virtualMacSocket;
        final InetAddress primary;
        final long primaryHi;
        final long primaryLo;
        final long[] addressesHi;
        final long[] addressesLo;
        final long[] peersHi;
        final long[] peersLo;
        final long announceRepeatNanos;
        final long announceRefreshNanos;
        final Arena arena = Arena.ofShared();
        final MemorySegment advertBuffer = arena.allocate(AdvertCodec.MAX_LENGTH, 8);
        final AtomicLongArray rejected = new AtomicLongArray(AdvertReject.CODES);
        volatile VrrpState published = VrrpState.INITIALIZE;
        volatile long sent;
        volatile long received;
        volatile long sendErrors;
        volatile long becameMaster;
        volatile long announcements;
        boolean linkUp = true;
        String externalFault;
        String failingCheck;
        final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        long nextAnnounce = Long.MAX_VALUE;
        boolean repeatPending;
        /** Whether the listener was last told the virtual MAC is held (add and remove pair up once each). */
        boolean virtualMacHeld;
        /** The deadline of the timer being run and when it ran (0: no timer running): for the takeover log line. */
        long timerDue;
        long timerRan;
        long lastCounterAnnounce = System.nanoTime() - Long.MAX_VALUE / 2;

        Entry(final VrrpSettings settings, final Channel channel)
        {
            this.settings = settings;
            this.channel = channel;
            primary = settings.sourceAddress() != null ? settings.sourceAddress() : primaryAddress(settings);
            primaryHi = IpAddresses.hi(primary);
            primaryLo = IpAddresses.lo(primary);
            final List<VirtualAddress> advertised = settings.advertisedAddresses();
            addressesHi = new long[advertised.size()];
            addressesLo = new long[advertised.size()];
            for (int i = 0; i < advertised.size(); i++)
            {
                addressesHi[i] = IpAddresses.hi(advertised.get(i).address());
                addressesLo[i] = IpAddresses.lo(advertised.get(i).address());
            }
            peersHi = new long[settings.unicastPeers().size()];
            peersLo = new long[settings.unicastPeers().size()];
            for (int i = 0; i < peersHi.length; i++)
            {
                peersHi[i] = IpAddresses.hi(settings.unicastPeers().get(i));
                peersLo[i] = IpAddresses.lo(settings.unicastPeers().get(i));
            }
            announceRepeatNanos = settings.garpRepeatDelay().toNanos();
            // Unicast adverts leave from the parent (see sendTo), so with the virtual MAC only announcements teach the
            // switch where it lives: refreshed well inside a switch's usual 5-minute ageing unless configured.
            announceRefreshNanos = settings.garpRefresh().isZero() && settings.useVirtualMac() && settings.unicast()
                ? UNICAST_VIRTUAL_MAC_REFRESH_NANOS : settings.garpRefresh().toNanos();
            if (settings.useVirtualMac())
            {
                virtualMacIfIndex = VirtualMac.create(rtnetlink, settings, channel.socket.ifIndex());
                try
                {
                    owner = new VipOwner(settings.name(), rtnetlink, virtualMacIfIndex, channel.socket.ifIndex(),
                        VirtualMac.address(settings.family(), settings.vrid()), settings.virtualAddresses(),
                        primaryHi, primaryLo);
                    rtnetlink.setLinkUp(virtualMacIfIndex, false); // up only while master: see virtualMacHeld
                    virtualMacSocket = VrrpSocket.openSender(VirtualMac.interfaceName(settings), settings.family());
                }
                catch (final RuntimeException e)
                {
                    rtnetlink.removeLink(virtualMacIfIndex);
                    throw e;
                }
            }
            else
            {
                virtualMacIfIndex = 0;
                virtualMacSocket = null;
                owner = new VipOwner(settings.name(), rtnetlink, channel.socket.ifIndex(), channel.socket.ifIndex(),
                    NetDevices.macAddress(settings.interfaceName()), settings.virtualAddresses(), primaryHi,
                    primaryLo);
            }
            instance = new VrrpInstance(settings.name(), settings.priority(), settings.advertIntervalCs(),
                settings.preempt(), settings.preemptDelay().toNanos(), primaryHi, primaryLo, System::nanoTime, this);
        }

        boolean isOwn(final long hi, final long lo)
        {
            return hi == primaryHi && lo == primaryLo;
        }

        boolean isPeer(final long hi, final long lo)
        {
            for (int i = 0; i < peersHi.length; i++)
            {
                if (peersHi[i] == hi && peersLo[i] == lo)
                {
                    return true;
                }
            }
            return false;
        }

        void reject(final int code)
        {
            final long count = rejected.get(code) + 1;
            rejected.lazySet(code, count);
            if (count == 1 || Long.bitCount(count) == 1 && count >= 1024)
            {
                LOG.log(System.Logger.Level.WARNING, "({0}) dropped an advert: {1} ({2} so far)", settings.name(),
                    AdvertReject.name(code), count);
            }
        }

        @Override
        public void sendAdvert(final int priority)
        {
            if (!settings.unicast())
            {
                sendTo(priority, settings.family() == 4 ? 0 : AdvertCodec.GROUP_V6_HI,
                    settings.family() == 4 ? AdvertCodec.GROUP_V4_LO : AdvertCodec.GROUP_V6_LO);
                return;
            }
            for (int i = 0; i < peersHi.length; i++)
            {
                sendTo(priority, peersHi[i], peersLo[i]);
            }
        }

        /** Builds the advert for one destination (the checksum's pseudo-header covers it) and sends it. */
        private void sendTo(final int priority, final long destinationHi, final long destinationLo)
        {
            final int length = AdvertCodec.build(advertBuffer, 0, settings.family(), settings.vrid(), priority,
                settings.advertIntervalCs(), addressesHi, addressesLo, addressesHi.length, primaryHi, primaryLo,
                destinationHi, destinationLo);
            if (virtualMacHeld && !settings.unicast())
            {
                // From the virtual MAC, so that switches keep it on this port; the parent's socket only if that fails
                // (the peer must hear the master even when the macvlan misbehaves, or both become master). Not to a
                // unicast peer: the macvlan would resolve the peer by ARP with a VIP as its sender address, which a
                // peer holding the same VIP (both master for a moment) drops as a martian: it never answers, the
                // adverts never leave and both stay master (seen in TrackingTest).
                final long result =
                    virtualMacSocket.send(advertBuffer, length, primaryHi, primaryLo, destinationHi, destinationLo);
                count(result);
                if (result > 0)
                {
                    return;
                }
            }
            count(channel.socket.send(advertBuffer, length, primaryHi, primaryLo, destinationHi, destinationLo));
        }

        private void count(final long result)
        {
            if (result > 0)
            {
                sent++;
            }
            else
            {
                sendErrors++;
            }
        }

        @Override
        public void addVirtualAddresses()
        {
            final long start = System.nanoTime();
            virtualMacHeld(true);
            owner.add(settings.garpCount(), this::virtualMacUp);
            announcements = owner.announcementsSent();
            final long now = System.nanoTime();
            takeoverTimes(start, now);
            repeatPending = announceRepeatNanos > 0;
            nextAnnounce = repeatPending ? now + announceRepeatNanos
                : announceRefreshNanos > 0 ? now + announceRefreshNanos : Long.MAX_VALUE;
        }

        /**
         * One line per takeover with where the time went, for the failover benchmark: how late the timer ran after its
         * deadline, then how long adding the addresses and announcing them took.
         */
        private void takeoverTimes(final long start, final long end)
        {
            LOG.log(System.Logger.Level.INFO, "({0}) takeover: timer ran {1} us late, {2} us to the VIP change,"
                + " first announcement sent in {3} us, addresses added and the virtual MAC link up in {4} us,"
                + " announced again in {5} us",
                settings.name(), timerDue == 0 ? -1 : (timerRan - timerDue) / 1000,
                timerDue == 0 ? -1 : (start - timerRan) / 1000, (owner.firstAnnouncedAt() - start) / 1000,
                (owner.addedAt() - owner.firstAnnouncedAt()) / 1000, (end - owner.addedAt()) / 1000);
        }

        void announceDue(final long now)
        {
            owner.announce(settings.garpCount());
            announcements = owner.announcementsSent();
            repeatPending = false;
            nextAnnounce = announceRefreshNanos > 0 ? now + announceRefreshNanos : Long.MAX_VALUE;
        }

        @Override
        public void lowerPriorityAdvertReceived(final int advertPriority)
        {
            // At most once per Master_Down_Interval: a peer that keeps claiming mastership (one-way loss) must not turn
            // every one of its adverts into a burst of announcements.
            final long now = System.nanoTime();
            if (now - lastCounterAnnounce < instance.masterDownIntervalNanos())
            {
                return;
            }
            lastCounterAnnounce = now;
            owner.announce(settings.garpCount());
            announcements = owner.announcementsSent();
            LOG.log(System.Logger.Level.INFO, "({0}) heard priority {1} from a router that believes it is master:"
                + " announced the virtual addresses again", settings.name(), advertPriority);
        }

        @Override
        public void removeVirtualAddresses()
        {
            nextAnnounce = Long.MAX_VALUE;
            virtualMacDown(); // first, so that removing an address sends nothing from the virtual MAC
            virtualMacHeld(false);
            owner.remove();
        }

        /**
         * Tells the listener (the data plane) that this box holds the virtual MAC, or no longer does: on a takeover
         * before the first announcement, so that it forwards the frames that announcement draws.
         */
        private void virtualMacHeld(final boolean held)
        {
            if (virtualMacIfIndex == 0 || virtualMacHeld == held)
            {
                return;
            }
            virtualMacHeld = held;
            try
            {
                listener.virtualMacHeld(settings.name(), VirtualMac.address(settings.family(), settings.vrid()), held);
            }
            catch (final RuntimeException e)
            {
                LOG.log(System.Logger.Level.WARNING, "({0}) virtual MAC listener failed: {1}", settings.name(), e);
            }
        }

        /**
         * Brings the macvlan up, after the first announcement (which leaves from the parent with the virtual MAC as
         * its source): a link coming up is kernel work under the global rtnetlink lock (IPv6 address configuration,
         * multicast joins) that took 0.4 ms usually and 8 ms at times right after the old master's link went down.
         * The macvlan is up only while this box is master. Up on a backup, it could speak from the virtual MAC (an
         * IPv6 MLD report when an address on it goes, for one) and teach the switch that the MAC lives on the backup's
         * port, where nothing forwards it any more (keepalived meets the same with its vmacs).
         */
        private void virtualMacUp()
        {
            if (virtualMacIfIndex == 0)
            {
                return;
            }
            try
            {
                rtnetlink.setLinkUp(virtualMacIfIndex, true);
                if (settings.family() == 6)
                {
                    // IPv6 adverts leave from the parent's link-local address, which the kernel sends from an
                    // interface only if that interface has it (and link-down flushed it): /128, no prefix route.
                    rtnetlink.addAddress(virtualMacIfIndex, primary, 128);
                }
            }
            catch (final RuntimeException e)
            {
                LOG.log(System.Logger.Level.WARNING, "({0}) cannot bring the virtual MAC interface up: {1}",
                    settings.name(), e.getMessage());
            }
        }

        private void virtualMacDown()
        {
            if (virtualMacIfIndex == 0 || !virtualMacHeld)
            {
                return;
            }
            try
            {
                rtnetlink.setLinkUp(virtualMacIfIndex, false);
            }
            catch (final RuntimeException e)
            {
                LOG.log(System.Logger.Level.WARNING, "({0}) cannot take the virtual MAC interface down: {1}",
                    settings.name(), e.getMessage());
            }
        }

        @Override
        public void stateChanged(final VrrpState from, final VrrpState to, final String reason)
        {
            published = to;
            if (to == VrrpState.MASTER)
            {
                becameMaster++;
            }
            LOG.log(to == VrrpState.FAULT ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "({0}) Entering {1} STATE ({2})", settings.name(), to.operatorName(), reason);
            notifier.run(settings, to, instance == null ? settings.priority() : instance.priority());
            if (instance != null)
            {
                followSyncGroup(this, from, to);
            }
            try
            {
                listener.stateChanged(settings.name(), from, to,
                    instance == null ? settings.priority() : instance.priority(), reason);
            }
            catch (final RuntimeException e)
            {
                LOG.log(System.Logger.Level.WARNING, "({0}) state listener failed: {1}", settings.name(), e);
            }
        }
    }

    /**
     * The interface's first address of the instance's family that is not a virtual one; for IPv6 its link-local
     * address (RFC 9568 section 5.1.2.1: adverts come from the link-local address). Java reads IPv6 addresses from
     * /proc/net, which follows the process's namespace, so an agent started in another namespace should be given
     * {@link VrrpSettings#sourceAddress} explicitly.
     */
    private static InetAddress primaryAddress(final VrrpSettings settings)
    {
        try
        {
            final NetworkInterface network = NetworkInterface.getByName(settings.interfaceName());
            if (network != null)
            {
                final Set<InetAddress> virtual = new HashSet<>();
                settings.virtualAddresses().forEach(vip -> virtual.add(vip.address()));
                for (final InetAddress address : network.inetAddresses().toList())
                {
                    final boolean family = settings.family() == 4 ? address instanceof Inet4Address
                        : address instanceof Inet6Address && address.isLinkLocalAddress();
                    if (family && !virtual.contains(address))
                    {
                        return address instanceof Inet6Address
                            ? InetAddress.getByAddress(address.getAddress()) : address;
                    }
                }
            }
        }
        catch (final SocketException | java.net.UnknownHostException e)
        {
            throw new IllegalStateException(settings.name() + ": cannot read the addresses of "
                + settings.interfaceName() + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(settings.name() + ": " + settings.interfaceName() + " has no "
            + (settings.family() == 4 ? "IPv4" : "IPv6 link-local") + " address to send adverts from;"
            + " set a source address");
    }
}
