package io.fulcrum.vrrp;

import java.util.function.LongSupplier;

/**
 * One virtual router's state machine as RFC 9568 section 6.4 writes it: one method per event, named after it. Pure
 * logic: time comes from an injected nanosecond clock, effects go to an {@link Output}, so tests drive it
 * deterministically. The agent calls {@link #runTimers()} when {@link #nextDeadlineNanos()} is reached and
 * {@link #advertReceived} for each accepted advertisement. Not thread-safe: one thread drives it.
 *
 * <p>Intervals are configured in centiseconds, as advertisements carry them; Skew_Time and Master_Down_Interval are
 * computed in nanoseconds so that 10 ms intervals keep their skew (the RFC's integer centiseconds would round a
 * 10 ms Skew_Time to zero).
 */
public final class VrrpInstance
{
    /** Priority of the address owner (section 5.2.4): it goes to Master at once. */
    public static final int OWNER_PRIORITY = 255;
    /** Priority sent by a Master that stops, so that a Backup takes over after Skew_Time (section 5.2.4). */
    public static final int STOPPING_PRIORITY = 0;

    private static final long NANOS_PER_CENTISECOND = 10_000_000L;
    private static final long NEVER = Long.MAX_VALUE;

    /** What the state machine does to the world. */
    public interface Output
    {
        /** Send an ADVERTISEMENT with this priority (the configured one, or 0 when stopping). */
        void sendAdvert(int priority);

        /** Become the owner of the virtual addresses: add them and announce them (gratuitous ARP / unsolicited NA). */
        void addVirtualAddresses();

        /** Give the virtual addresses up. */
        void removeVirtualAddresses();

        /** Called after every transition. */
        void stateChanged(VrrpState from, VrrpState to, String reason);

        /**
         * In Master, an advertisement that loses to us (lower priority, or equal from a lower address) arrived: its
         * sender believes it is Master and has just announced the addresses as its own (a backup that missed our
         * adverts, a healed partition). The RFC discards it; announcing again moves the neighbours back to us at once
         * instead of at the next periodic refresh (keepalived's garp_lower_prio_repeat).
         */
        default void lowerPriorityAdvertReceived(final int advertPriority)
        {
        }
    }

    private final String name;
    private final LongSupplier nanoClock;
    private final Output output;
    private final int advertisementIntervalCs;
    private final boolean preemptMode;
    private final long preemptDelayNanos;
    private final long primaryHi;
    private final long primaryLo;

    private int priority;
    private VrrpState state = VrrpState.INITIALIZE;
    private int masterAdverIntervalCs;
    private long adverTimer = NEVER;
    private long masterDownTimer = NEVER;
    private long startedAt;
    private boolean faulty;
    private long masterPriorityHeard = -1;

    /**
     * @param primaryHi and {@code primaryLo}: this router's primary address on the interface, the source of its
     *     advertisements, which breaks ties between equal priorities (section 6.4.3)
     */
    public VrrpInstance(final String name, final int priority, final int advertisementIntervalCs,
        final boolean preemptMode, final long preemptDelayNanos, final long primaryHi, final long primaryLo,
        final LongSupplier nanoClock, final Output output)
    {
        if (priority < 1 || priority > OWNER_PRIORITY)
        {
            throw new IllegalArgumentException(name + ": priority must be 1..255: " + priority);
        }
        if (advertisementIntervalCs < 1 || advertisementIntervalCs > AdvertCodec.MAX_ADVER_INTERVAL_CS)
        {
            throw new IllegalArgumentException(name + ": advertisement interval must be 1..4095 centiseconds: "
                + advertisementIntervalCs);
        }
        this.name = name;
        this.priority = priority;
        this.advertisementIntervalCs = advertisementIntervalCs;
        this.preemptMode = preemptMode;
        this.preemptDelayNanos = preemptDelayNanos;
        this.primaryHi = primaryHi;
        this.primaryLo = primaryLo;
        this.nanoClock = nanoClock;
        this.output = output;
        this.masterAdverIntervalCs = advertisementIntervalCs;
    }

    public String name()
    {
        return name;
    }

    public VrrpState state()
    {
        return state;
    }

    public int priority()
    {
        return priority;
    }

    public int advertisementIntervalCs()
    {
        return advertisementIntervalCs;
    }

    /** The Master's advertisement interval as learnt in Backup (section 6.1), or our own. */
    public int masterAdverIntervalCs()
    {
        return masterAdverIntervalCs;
    }

    /** Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, here in nanoseconds. */
    public long skewTimeNanos()
    {
        return (256L - priority) * masterAdverIntervalCs * NANOS_PER_CENTISECOND / 256;
    }

    /** Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time, in nanoseconds. */
    public long masterDownIntervalNanos()
    {
        return 3L * masterAdverIntervalCs * NANOS_PER_CENTISECOND + skewTimeNanos();
    }

    /** When {@link #runTimers()} next has work, on the injected clock; {@link Long#MAX_VALUE} for never. */
    public long nextDeadlineNanos()
    {
        return Math.min(adverTimer, masterDownTimer);
    }

    /** Fires whichever timer is due. */
    public void runTimers()
    {
        final long now = nanoClock.getAsLong();
        if (state == VrrpState.BACKUP && masterDownTimer != NEVER && now - masterDownTimer >= 0)
        {
            masterDownTimerFired();
        }
        else if (state == VrrpState.MASTER && adverTimer != NEVER && now - adverTimer >= 0)
        {
            adverTimerFired();
        }
    }

    /** Section 6.4.1: the Startup event in Initialize. */
    public void startup()
    {
        if (state == VrrpState.INITIALIZE)
        {
            start("startup");
        }
    }

    private void start(final String why)
    {
        startedAt = nanoClock.getAsLong();
        if (faulty)
        {
            transition(VrrpState.FAULT, why + " with a tracked failure");
            return;
        }
        if (priority == OWNER_PRIORITY)
        {
            becomeMaster(why + ": address owner (priority 255)");
        }
        else
        {
            masterAdverIntervalCs = advertisementIntervalCs;
            setMasterDownTimer(masterDownIntervalNanos());
            transition(VrrpState.BACKUP, why);
        }
    }

    /** Sections 6.4.2 and 6.4.3: the Shutdown event; a Master sends priority 0 so that a Backup takes over soon. */
    public void shutdown()
    {
        leave(VrrpState.INITIALIZE, "shutdown");
    }

    /** Section 6.4.2: Master_Down_Timer fired in Backup. */
    public void masterDownTimerFired()
    {
        if (state == VrrpState.BACKUP)
        {
            becomeMaster(masterPriorityHeard == STOPPING_PRIORITY
                ? "the master stopped (priority 0)" : "no advertisement within Master_Down_Interval");
        }
    }

    /** Section 6.4.3: Adver_Timer fired in Master. */
    public void adverTimerFired()
    {
        if (state == VrrpState.MASTER)
        {
            output.sendAdvert(priority);
            setAdverTimer();
        }
    }

    /** {@link #advertReceived(int, int, long, long)} with the fields of a parsed advertisement. */
    public void advertReceived(final Advert advert)
    {
        advertReceived(advert.priority(), advert.maxAdverIntervalCs(), advert.sourceHi(), advert.sourceLo());
    }

    /** Sections 6.4.2 and 6.4.3: an ADVERTISEMENT that passed the receive checks of section 7.1. */
    public void advertReceived(final int advertPriority, final int maxAdverIntervalCs, final long sourceHi,
        final long sourceLo)
    {
        if (state == VrrpState.BACKUP)
        {
            masterPriorityHeard = advertPriority;
            if (advertPriority == STOPPING_PRIORITY)
            {
                setMasterDownTimer(skewTimeNanos());
            }
            else if (!preemptsNow() || advertPriority >= priority)
            {
                masterAdverIntervalCs = maxAdverIntervalCs;
                setMasterDownTimer(masterDownIntervalNanos());
            }
            // else: Preempt_Mode is True and the advertisement's priority is lower: discard it, so that the
            // Master_Down_Timer fires and this router preempts.
        }
        else if (state == VrrpState.MASTER)
        {
            if (advertPriority == STOPPING_PRIORITY)
            {
                output.sendAdvert(priority);
                setAdverTimer();
            }
            else if (advertPriority > priority
                || advertPriority == priority && compareUnsigned(sourceHi, sourceLo, primaryHi, primaryLo) > 0)
            {
                adverTimer = NEVER;
                masterAdverIntervalCs = maxAdverIntervalCs;
                masterPriorityHeard = advertPriority;
                setMasterDownTimer(masterDownIntervalNanos());
                output.removeVirtualAddresses();
                transition(VrrpState.BACKUP, advertPriority > priority
                    ? "higher priority " + advertPriority + " advertised"
                    : "equal priority advertised from a higher address");
            }
            else
            {
                output.lowerPriorityAdvertReceived(advertPriority);
            }
        }
    }

    /**
     * Sync group (keepalived's vrrp_sync_group): another member became Master, so this Backup does too, as if its
     * Master_Down_Timer had fired.
     */
    public void syncGroupMaster(final String why)
    {
        if (state == VrrpState.BACKUP)
        {
            becomeMaster(why);
        }
    }

    /**
     * Sync group: another member left Master for Backup, so this Master does too, as if it had heard a higher
     * priority: it stops advertising, gives its addresses up and waits Master_Down_Interval for the new Master.
     */
    public void syncGroupBackup(final String why)
    {
        if (state == VrrpState.MASTER)
        {
            adverTimer = NEVER;
            masterAdverIntervalCs = advertisementIntervalCs;
            setMasterDownTimer(masterDownIntervalNanos());
            output.removeVirtualAddresses();
            transition(VrrpState.BACKUP, why);
        }
    }

    /**
     * Tracking: a new effective priority (1-254; 255 is for the owner alone). In Backup a raised priority preempts a
     * lower Master through the Master_Down_Timer; in Master the next advertisement carries it.
     */
    public void priorityChanged(final int newPriority)
    {
        if (newPriority < 1 || newPriority > OWNER_PRIORITY)
        {
            throw new IllegalArgumentException(name + ": priority must be 1..255: " + newPriority);
        }
        priority = newPriority;
    }

    /** Tracking: a failure that must keep this router out (keepalived's FAULT). A Master steps down as on shutdown. */
    public void faultDetected(final String why)
    {
        faulty = true;
        if (state != VrrpState.FAULT && state != VrrpState.INITIALIZE)
        {
            leave(VrrpState.FAULT, why);
        }
    }

    /** Tracking: the failure is gone; the router starts again as at startup. */
    public void faultCleared()
    {
        faulty = false;
        if (state == VrrpState.FAULT)
        {
            start("fault cleared");
        }
    }

    private void leave(final VrrpState to, final String why)
    {
        if (state == VrrpState.MASTER)
        {
            adverTimer = NEVER;
            output.sendAdvert(STOPPING_PRIORITY);
            output.removeVirtualAddresses();
        }
        masterDownTimer = NEVER;
        adverTimer = NEVER;
        if (state != to)
        {
            transition(to, why);
        }
    }

    private void becomeMaster(final String why)
    {
        masterDownTimer = NEVER;
        masterAdverIntervalCs = advertisementIntervalCs;
        // Section 6.4.2 lists the advertisement before the gratuitous ARP; the order is not normative, and announcing
        // first moves the clients' traffic a moment earlier and makes a Master that still lives (and re-announces when
        // it hears this advert, see lowerPriorityAdvertReceived) answer after our announcements, not before them.
        output.addVirtualAddresses();
        output.sendAdvert(priority);
        setAdverTimer();
        transition(VrrpState.MASTER, why);
    }

    private boolean preemptsNow()
    {
        return priority == OWNER_PRIORITY
            || preemptMode && nanoClock.getAsLong() - startedAt >= preemptDelayNanos;
    }

    private void setAdverTimer()
    {
        adverTimer = nanoClock.getAsLong() + advertisementIntervalCs * NANOS_PER_CENTISECOND;
    }

    private void setMasterDownTimer(final long afterNanos)
    {
        masterDownTimer = nanoClock.getAsLong() + afterNanos;
    }

    private void transition(final VrrpState to, final String why)
    {
        final VrrpState from = state;
        state = to;
        output.stateChanged(from, to, why);
    }

    /** Unsigned comparison of two 128-bit addresses in network order. */
    static int compareUnsigned(final long aHi, final long aLo, final long bHi, final long bLo)
    {
        final int high = Long.compareUnsigned(aHi, bHi);
        return high != 0 ? high : Long.compareUnsigned(aLo, bLo);
    }
}
