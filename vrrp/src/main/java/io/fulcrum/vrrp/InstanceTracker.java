package io.fulcrum.vrrp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

import io.fulcrum.dataplane.sys.InterfaceFlags;

/**
 * What holds instances out of mastership or moves them together: each instance's link (down: FAULT), the liveness
 * checks registered with {@link VrrpAgent#track}, the faults the caller reports ({@link VrrpAgent#fault}), and sync
 * groups ({@link VrrpSettings#syncGroup}), whose members share a fault and follow each other into Master and back
 * to Backup. Used on the agent thread only.
 */
final class InstanceTracker
{
    /** An ioctl socket (SIOCGIFFLAGS) of the agent's network namespace, owned by the agent. */
    private final int controlFd;
    private final Map<String, Tracked> byName = new LinkedHashMap<>();
    /** Set while a sync group follows a member, so that the members' own changes do not start another round. */
    private boolean syncing;

    /** The tracking state of one instance. */
    private static final class Tracked
    {
        final VrrpSettings settings;
        final VrrpInstance machine;
        final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        boolean linkUp = true;
        String failingCheck;
        String externalFault;

        Tracked(final VrrpSettings settings, final VrrpInstance machine)
        {
            this.settings = settings;
            this.machine = machine;
        }

        /** Why this instance itself must be out (link down, a failing check, a reported fault), or null. */
        String ownFault()
        {
            if (!linkUp)
            {
                return "link " + settings.interfaceName() + " is down";
            }
            if (failingCheck != null)
            {
                return failingCheck + " failed";
            }
            return externalFault;
        }

        boolean inSyncGroupOf(final Tracked other)
        {
            return other != this && settings.syncGroup() != null
                && settings.syncGroup().equals(other.settings.syncGroup());
        }
    }

    InstanceTracker(final int controlFd)
    {
        this.controlFd = controlFd;
    }

    void add(final RunningInstance running)
    {
        byName.put(running.settings.name(), new Tracked(running.settings, running.machine));
    }

    /** Before the instances start: reads the links and puts those whose link is down into FAULT. */
    void start()
    {
        for (final Tracked tracked : byName.values())
        {
            tracked.linkUp = linkUp(tracked);
        }
        reconcileFaults();
    }

    /** Registers (or replaces) a liveness check of the instance. */
    void track(final String name, final String what, final BooleanSupplier check)
    {
        byName.get(name).checks.put(what, check);
    }

    /** Holds the instance in FAULT for {@code why}, or lets it out when null. */
    void externalFault(final String name, final String why)
    {
        byName.get(name).externalFault = why;
        reconcileFaults();
    }

    /** Every 100 ms: the links and the liveness checks; faults change only when one of them did. */
    void check()
    {
        boolean changed = false;
        for (final Tracked tracked : byName.values())
        {
            final boolean up = linkUp(tracked);
            String failing = null;
            for (final Map.Entry<String, BooleanSupplier> check : tracked.checks.entrySet())
            {
                if (!healthy(tracked, check.getKey(), check.getValue()))
                {
                    failing = check.getKey();
                    break;
                }
            }
            if (up != tracked.linkUp || !Objects.equals(failing, tracked.failingCheck))
            {
                tracked.linkUp = up;
                tracked.failingCheck = failing;
                changed = true;
            }
        }
        if (changed)
        {
            reconcileFaults();
        }
    }

    /** Sync group: a member became Master or fell back to Backup; the others follow (not recursively). */
    void followSyncGroup(final VrrpSettings changed, final VrrpState from, final VrrpState to)
    {
        final Tracked source = byName.get(changed.name());
        if (source == null || changed.syncGroup() == null || syncing)
        {
            return;
        }
        syncing = true;
        try
        {
            final String why = "sync group " + changed.syncGroup() + ": (" + changed.name() + ") is "
                + to.operatorName();
            for (final Tracked member : byName.values())
            {
                if (!member.inSyncGroupOf(source))
                {
                    continue;
                }
                if (to == VrrpState.MASTER)
                {
                    member.machine.syncGroupMaster(why);
                }
                else if (to == VrrpState.BACKUP && from == VrrpState.MASTER)
                {
                    member.machine.syncGroupBackup(why);
                }
            }
        }
        finally
        {
            syncing = false;
        }
    }

    /**
     * Puts into FAULT every instance with a fault of its own or, in a sync group, a member with one; takes the others
     * out of FAULT (they start again as at startup).
     */
    private void reconcileFaults()
    {
        for (final Tracked tracked : byName.values())
        {
            String why = tracked.ownFault();
            if (why == null)
            {
                for (final Tracked member : byName.values())
                {
                    if (member.inSyncGroupOf(tracked) && member.ownFault() != null)
                    {
                        why = "sync group " + tracked.settings.syncGroup() + ": (" + member.settings.name() + ") "
                            + member.ownFault();
                        break;
                    }
                }
            }
            if (why != null)
            {
                tracked.machine.faultDetected(why);
            }
            else
            {
                tracked.machine.faultCleared();
            }
        }
    }

    private boolean linkUp(final Tracked tracked)
    {
        return InterfaceFlags.isUpAndRunning(InterfaceFlags.flags(controlFd, tracked.settings.interfaceName()));
    }

    private static boolean healthy(final Tracked tracked, final String what, final BooleanSupplier check)
    {
        try
        {
            return check.getAsBoolean();
        }
        catch (final RuntimeException e)
        {
            VrrpAgent.LOG.log(System.Logger.Level.WARNING, "({0}) check {1} threw {2}: counted as failed",
                tracked.settings.name(), what, e.toString());
            return false;
        }
    }
}
