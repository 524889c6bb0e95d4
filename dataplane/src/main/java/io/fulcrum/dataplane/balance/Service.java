package io.fulcrum.dataplane.balance;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * A virtual service: traffic to {@code vip:port/protocol} is spread over {@code backends}.
 *
 * @param id            stable small integer, unique in the running daemon (indexes counters)
 * @param name          the operator's name for it
 * @param protocol      IP protocol number: 6 (TCP) or 17 (UDP)
 * @param maglevSize    Maglev lookup table size, a prime (65537 by default)
 */
public record Service(
    int id,
    String name,
    InetAddress vip,
    int port,
    int protocol,
    Encapsulation encapsulation,
    int maglevSize,
    List<Backend> backends)
{
    public static final int TCP = 6;
    public static final int UDP = 17;

    public Service
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(encapsulation, "encapsulation");
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
}
