package io.fulcrum.controlplane.health;

import java.net.InetAddress;

/** Told of every change of a target's state, and only of changes; called on the checker's event-loop thread. */
@FunctionalInterface
public interface HealthListener
{
    /**
     * Must not block: every check shares this thread.
     *
     * @param state  the new state, UP or DOWN
     * @param reason in plain words, like "3 consecutive checks failed, last: connection refused"
     */
    void changed(String pool, InetAddress address, HealthState state, String reason);
}
