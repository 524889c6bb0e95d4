package io.fulcrum.proxy.pool;

import io.fulcrum.dataplane.balance.scheduler.Candidate;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A backend as the proxy connects to it.
 *
 * @param candidate what the scheduler chose, with the load the proxy reports back into
 * @param address   where the proxy opens its connection: the backend's address and the service's backend port
 */
public record ProxyTarget(Candidate candidate, InetSocketAddress address)
{
    public ProxyTarget
    {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(address, "address");
    }

    public int backendId()
    {
        return candidate.backend().id();
    }
}
