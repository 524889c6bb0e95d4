package io.fulcrum.benchmarks.proxy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.fulcrum.benchmarks.harness.PinnedProcess;

/** What stands between wrk and nginx in one row of the table: nothing (the ceiling), HAProxy, or Fulcrum. */
enum Contender
{
    DIRECT("direct", "wrk straight to nginx", "http"),
    HAPROXY_HTTP("haproxy-http", "HAProxy 2.6 mode http", "http"),
    HAPROXY_TCP("haproxy-tcp", "HAProxy 2.6 mode tcp", "tcp"),
    FULCRUM_HTTP_IO_URING("fulcrum-http-io_uring", "Fulcrum http, io_uring", "http"),
    FULCRUM_HTTP_EPOLL("fulcrum-http-epoll", "Fulcrum http, epoll", "http"),
    FULCRUM_TCP_IO_URING("fulcrum-tcp-io_uring", "Fulcrum tcp, io_uring", "tcp"),
    FULCRUM_TCP_EPOLL("fulcrum-tcp-epoll", "Fulcrum tcp, epoll", "tcp");

    static final String VIP_URL = "http://" + ProxyTopology.VIP + NginxBackends.PATH;

    final String key;
    final String title;
    /** http or tcp: the mode of the proxy, and of the HAProxy it is compared with (direct: with HAProxy's http). */
    final String mode;

    Contender(final String key, final String title, final String mode)
    {
        this.key = key;
        this.title = title;
        this.mode = mode;
    }

    /**
     * Contenders by key, and the groups {@code haproxy} (both modes) and {@code fulcrum} (both modes on both
     * transports); in table order, each once.
     */
    static List<Contender> parse(final List<String> keys)
    {
        final Set<Contender> chosen = new LinkedHashSet<>();
        for (final String key : keys)
        {
            final List<Contender> matched = new ArrayList<>();
            for (final Contender contender : values())
            {
                if (contender.key.equals(key) || contender.key.startsWith(key + "-"))
                {
                    matched.add(contender);
                }
            }
            if (matched.isEmpty())
            {
                throw new IllegalArgumentException("unknown proxy '" + key + "' (direct, haproxy, fulcrum, or one of "
                    + String.join(", ", keys()) + ")");
            }
            chosen.addAll(matched);
        }
        return chosen.stream().sorted().toList();
    }

    private static List<String> keys()
    {
        final List<String> keys = new ArrayList<>();
        for (final Contender contender : values())
        {
            keys.add(contender.key);
        }
        return keys;
    }

    /** The HAProxy row this one's ratios are taken to: HAProxy in the same mode. */
    Contender reference()
    {
        return mode.equals("tcp") ? HAPROXY_TCP : HAPROXY_HTTP;
    }

    /** A tcp-mode proxy is measured with keep-alive HTTP through it: what an L4 proxy in front of HTTP sees most. */
    boolean runs(final LoadCase loadCase)
    {
        return loadCase == LoadCase.KEEP_ALIVE || mode.equals("http");
    }

    /** The URL wrk loads: the VIP, or for the direct case the first backend. */
    String url()
    {
        return this == DIRECT ? HttpProbe.url(ProxyTopology.BACKENDS.getFirst(), ProxyTopology.BACKEND_PORT) : VIP_URL;
    }

    /** Starts the proxy and waits until it answers through the VIP; null for the direct case, which has none. */
    PinnedProcess start(final Path launcher, final Path workDir, final int cpu, final int nice) throws Exception
    {
        return switch (this)
        {
            case DIRECT -> null;
            case HAPROXY_HTTP, HAPROXY_TCP -> Haproxy.start(workDir, mode, cpu, nice);
            case FULCRUM_HTTP_IO_URING, FULCRUM_TCP_IO_URING ->
                FulcrumProxy.start(launcher, workDir, mode, "io_uring", cpu, nice);
            case FULCRUM_HTTP_EPOLL, FULCRUM_TCP_EPOLL ->
                FulcrumProxy.start(launcher, workDir, mode, "epoll", cpu, nice);
        };
    }
}
