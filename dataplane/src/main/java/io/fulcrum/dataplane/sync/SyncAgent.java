package io.fulcrum.dataplane.sync;

import java.security.SecureRandom;

import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import io.fulcrum.dataplane.balance.ForwardingTablePublisher;

/**
 * Connection-state sync between the two appliances of a pair, on its own thread: as {@link SyncRole#MASTER} it
 * streams the workers' flow changes to the standby ({@link FlowSender}); as {@link SyncRole#BACKUP} it receives the
 * master's and installs them into every worker's table ({@link FlowReceiver}). The role follows VRRP: the control
 * plane calls {@link #role(SyncRole)} from any thread, and the agent switches at its next duty cycle, starting a new
 * session (a new random epoch) each time.
 *
 * <p>Workers and agent meet only in lock-free rings ({@link WorkerSync}), so a slow or absent peer never slows
 * forwarding.
 */
public final class SyncAgent implements Agent
{
    private static final int DATAGRAMS_PER_CYCLE = 64;

    private final SyncSettings settings;
    private final WorkerSync[] workers;
    private final SyncCounters counters;
    private final EpochClock clock;
    private final SyncTransport transport;
    private final FlowSender sender;
    private final FlowReceiver receiver;
    private final SyncMessage received = new SyncMessage();
    private final SecureRandom random = new SecureRandom();

    private volatile SyncRole requestedRole = SyncRole.OFF;
    private SyncRole role = SyncRole.OFF;

    public SyncAgent(final SyncSettings settings, final WorkerSync[] workers, final ForwardingTablePublisher tables,
        final SyncCounters counters, final EpochClock clock)
    {
        this.settings = settings;
        this.workers = workers.clone();
        this.counters = counters;
        this.clock = clock;
        this.transport = new SyncTransport(settings, counters);
        this.sender = new FlowSender(settings, transport, this.workers, counters);
        this.receiver = new FlowReceiver(settings, transport, this.workers, tables, counters, this::newEpoch);
        counters.set(SyncCounters.MEMORY_BYTES, settings.memoryBytes(workers.length));
        counters.set(SyncCounters.MAX_BYTES_PER_SECOND, settings.maxBytesPerSecond());
    }

    /** Sets the role (any thread); the agent takes it at its next duty cycle. */
    public void role(final SyncRole newRole)
    {
        requestedRole = newRole;
    }

    /** The role the agent acts in now. */
    public SyncRole role()
    {
        return role;
    }

    /** The address the sync socket is bound to (the configured one, with the port chosen if it was 0). */
    public java.net.InetSocketAddress localAddress()
    {
        return transport.localAddress();
    }

    public SyncSettings settings()
    {
        return settings;
    }

    public SyncCounters counters()
    {
        return counters;
    }

    @Override
    public int doWork()
    {
        final long now = clock.time();
        int work = 0;
        final SyncRole wanted = requestedRole;
        if (wanted != role)
        {
            role = wanted;
            if (role == SyncRole.MASTER)
            {
                sender.start(now, newEpoch());
            }
            else if (role == SyncRole.BACKUP)
            {
                receiver.start(now);
            }
            counters.set(SyncCounters.ROLE, role.ordinal());
            work++;
        }
        work += receive(now);
        if (role == SyncRole.MASTER)
        {
            work += sender.doWork(now);
        }
        else if (role == SyncRole.BACKUP)
        {
            work += receiver.doWork(now);
        }
        return work;
    }

    private int receive(final long now)
    {
        int count = 0;
        for (; count < DATAGRAMS_PER_CYCLE; count++)
        {
            final int length = transport.receive();
            if (length == 0)
            {
                break;
            }
            if (length < 0)
            {
                continue; // refused and counted
            }
            final UnsafeBuffer buffer = transport.receiveBuffer();
            final int type = received.wrap(buffer, 0).type();
            if (type == SyncMessage.STATUS && role == SyncRole.MASTER)
            {
                sender.onStatus(received, now);
            }
            else if (type == SyncMessage.DATA && role == SyncRole.BACKUP)
            {
                receiver.onData(buffer, length, now);
            }
            // Otherwise both think they are master (or backup) for a moment: VRRP settles it; nothing to apply.
        }
        return count;
    }

    private long newEpoch()
    {
        long epoch;
        do
        {
            epoch = random.nextLong();
        }
        while (epoch == 0);
        return epoch;
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietClose(transport);
    }

    @Override
    public String roleName()
    {
        return "fulcrum-sync";
    }
}
