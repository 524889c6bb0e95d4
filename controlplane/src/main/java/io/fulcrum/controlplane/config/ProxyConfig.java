package io.fulcrum.controlplane.config;

import io.fulcrum.proxy.transport.TransportKind;

import java.util.List;
import java.util.Objects;

/**
 * The proxy's event loops ({@code proxy}), shared by every tcp, http and udp service.
 *
 * @param transport io_uring, epoll, or auto (io_uring when the kernel allows it)
 * @param cores     one event loop per entry, pinned to that CPU; empty: {@link #DEFAULT_LOOPS} unpinned loop(s)
 */
public record ProxyConfig(TransportKind transport, List<Integer> cores)
{
    public static final int DEFAULT_LOOPS = 1;
    public static final ProxyConfig DEFAULT = new ProxyConfig(TransportKind.AUTO, List.of());

    public ProxyConfig
    {
        Objects.requireNonNull(transport, "transport");
        cores = List.copyOf(cores);
    }

    /** The CPU of each event loop, -1 for unpinned. */
    public List<Integer> loops()
    {
        return cores.isEmpty() ? java.util.Collections.nCopies(DEFAULT_LOOPS, -1) : cores;
    }
}
