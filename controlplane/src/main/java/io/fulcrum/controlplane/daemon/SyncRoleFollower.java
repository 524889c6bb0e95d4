package io.fulcrum.controlplane.daemon;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import io.fulcrum.dataplane.sync.SyncAgent;
import io.fulcrum.dataplane.sync.SyncRole;
import io.fulcrum.vrrp.VrrpState;

/**
 * Sets the sync agent's role from the VRRP instances' states: master when any instance is master (this box forwards
 * VIP traffic, and its flows are the ones to keep), backup when none is but one is backup, off otherwise (initialising,
 * fault, stopped). The instances of a pair move together in one sync group, so "any" and "all" agree but for a
 * moment.
 */
final class SyncRoleFollower implements BiConsumer<String, VrrpState>
{
    private final SyncAgent sync;
    private final EventLog log;
    private final Map<String, VrrpState> states = new ConcurrentHashMap<>();
    private SyncRole role = SyncRole.OFF;

    SyncRoleFollower(final SyncAgent sync, final EventLog log)
    {
        this.sync = sync;
        this.log = log;
    }

    @Override
    public synchronized void accept(final String instance, final VrrpState state)
    {
        states.put(instance, state);
        SyncRole next = SyncRole.OFF;
        for (final VrrpState each : states.values())
        {
            if (each == VrrpState.MASTER)
            {
                next = SyncRole.MASTER;
                break;
            }
            if (each == VrrpState.BACKUP)
            {
                next = SyncRole.BACKUP;
            }
        }
        if (next != role)
        {
            log.event("sync-" + next.name().toLowerCase(), "connection sync: " + role.name().toLowerCase() + " -> "
                + next.name().toLowerCase() + (next == SyncRole.MASTER ? " (sending to the standby)"
                : next == SyncRole.BACKUP ? " (receiving from the master)" : ""), "from",
                role.name().toLowerCase(), "role", next.name().toLowerCase());
            role = next;
            sync.role(next);
        }
    }
}
