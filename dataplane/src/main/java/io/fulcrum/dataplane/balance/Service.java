package io.fulcrum.dataplane.balance;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

import io.fulcrum.dataplane.balance.scheduler.SchedulerKind;

/**
 * A virtual service: traffic to {@code vip:port/protocol} is spread over {@code backends}.
 *
 * @param id            stable small integer, unique in the running daemon (indexes counters)
 * @param name          the operator's name for it
 * @param protocol      IP protocol number: 6 (TCP) or 17 (UDP)
 * @param scheduler     how a new flow's backend is picked; the data plane does {@link #DATA_PLANE_SCHEDULERS} and
 *                      picks by Maglev for any other (a proxied service's, which the configuration keeps out of
 *                      mode dsr)
 * @param maglevSize    Maglev lookup table size, a prime (65537 by default)
 */
public record Service(
    int id,
    String name,
    InetAddress vip,
    int port,
    int protocol,
    Encapsulation encapsulation,
    SchedulerKind scheduler,
    int maglevSize,
    List<Backend> backends)
{
    public static final int TCP = 6;
    public static final int UDP = 17;
    /** What the packet path can pick new flows by; the others need to see responses, which it does not. */
    public static final List<SchedulerKind> DATA_PLANE_SCHEDULERS = List.of(SchedulerKind.MAGLEV, SchedulerKind.IP_HASH,
        SchedulerKind.ROUND_ROBIN, SchedulerKind.LEAST_CONNECTIONS);

    public Service
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(encapsulation, "encapsulation");
        Objects.requireNonNull(scheduler, "scheduler");
        backends = List.copyOf(backends);
        if (protocol != TCP && protocol != UDP)
        {
            throw new IllegalArgumentException("service " + name + ": protocol must be 6 (tcp) or 17 (udp): " + protocol);
        }
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("service " + name + ": port out of range: " + port);
        }
    }

    /** A service whose new flows are picked by Maglev over the 5-tuple. */
    public Service(final int id, final String name, final InetAddress vip, final int port, final int protocol,
        final Encapsulation encapsulation, final int maglevSize, final List<Backend> backends)
    {
        this(id, name, vip, port, protocol, encapsulation, SchedulerKind.MAGLEV, maglevSize, backends);
    }

    /** The same service over other backends (their states, weights or MACs decided anew). */
    public Service withBackends(final List<Backend> newBackends)
    {
        return new Service(id, name, vip, port, protocol, encapsulation, scheduler, maglevSize, newBackends);
    }
}
