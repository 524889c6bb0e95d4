package io.fulcrum.proxy;

import io.fulcrum.proxy.transport.EventLoops;

import java.net.InetSocketAddress;

/** A proxied service's listener as the daemon drives it, whatever its mode (tcp, http, udp). */
public interface ProxyListener
{
    /** Binds the listener (IP_FREEBIND: the VIP need not be here yet) on {@code loops}. */
    void start(EventLoops loops);

    /** Closes the listener, then the connections or sessions it holds. */
    void stop();

    /** Where it listens, once started. */
    InetSocketAddress localAddress();
}
