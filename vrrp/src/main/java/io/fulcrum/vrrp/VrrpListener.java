package io.fulcrum.vrrp;

/** Told of every state change of every instance, on the agent's thread: return quickly. */
@FunctionalInterface
public interface VrrpListener
{
    VrrpListener NONE = (instance, from, to, priority, reason) ->
    {
    };

    void stateChanged(String instance, VrrpState from, VrrpState to, int priority, String reason);
}
