package io.fulcrum.controlplane.lab;

/**
 * One machine of the lab: a network namespace named {@code prefix-name}. {@code lanInterface} is its port on the
 * server LAN (null for the client and the bridge's own namespace); {@code mac} is the locally administered address
 * the lab gives that port, so that configs and captures read the same on every run.
 */
public record LabNode(String name, Role role, String namespace, String lanInterface, String lan4, String lan6, String mac)
{
    /** What a node is for. */
    public enum Role
    {
        CLIENT, ROUTER, SWITCH, BALANCER, BACKEND
    }

    public boolean isBackend()
    {
        return role == Role.BACKEND;
    }
}
