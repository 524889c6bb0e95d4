package io.fulcrum.vrrp;

/** Told of every state change of every instance, on the agent's thread: return quickly. */
@FunctionalInterface
public interface VrrpListener
{
    VrrpListener NONE = (instance, from, to, priority, reason) ->
    {
    };

    void stateChanged(String instance, VrrpState from, VrrpState to, int priority, String reason);

    /**
     * With a virtual MAC only: the instance is about to take its addresses (and announce them from
     * {@code virtualMac}, the low 48 bits), or has just given them up. Called before the first announcement and after
     * the removal, so a data plane that forwards frames for the virtual MAC exactly while held never misses the
     * first frames neighbours send after the announcement, and a backup never forwards frames a switch flooded.
     */
    default void virtualMacHeld(final String instance, final long virtualMac, final boolean held)
    {
    }
}
