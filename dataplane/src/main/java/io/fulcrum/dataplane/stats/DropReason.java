package io.fulcrum.dataplane.stats;

/**
 * Why the data plane dropped a frame. Each reason is a counter per worker; {@code fulcrum stat} and {@code /metrics}
 * sum them. The forwarder's decisions come first; from {@link #FIRST_PORT_REASON} on, the frames a port lost, which
 * the worker copies from its port (and the kernel's counters for the port's socket) about once a second.
 */
public final class DropReason
{
    /** The frame failed to parse (see the parser's result codes for the detail). */
    public static final int MALFORMED = 0;
    /** TCP or UDP to a VIP address on a port and protocol no service listens on. */
    public static final int NO_SERVICE = 1;
    /** The service has no backend that takes new flows. */
    public static final int NO_HEALTHY_BACKEND = 2;
    /** Encapsulated, the packet would exceed the egress MTU: too-big sent back to the client when DF was set. */
    public static final int TOO_BIG = 3;
    /** The frame had no headroom left for the outer headers (a port misconfiguration, never expected). */
    public static final int NO_HEADROOM = 4;
    /** A non-first fragment for a VIP and protocol that more than one service shares and whose first was not seen. */
    public static final int UNKNOWN_FRAGMENT = 5;
    /**
     * A frame the forwarder left to the host that its port cannot hand to the host: under AF_XDP a redirected frame
     * never reaches the kernel's stack (the XDP program passes what no service takes, so what lands here is rare: a
     * frame for a service's port flooded to another MAC, say).
     */
    public static final int MEANT_FOR_HOST = 6;
    /** AF_PACKET: a frame too long for a slot (GRO or LRO merged frames on the interface). */
    public static final int RX_TOO_LONG = 7;
    /** The kernel found the port's receive ring full (AF_XDP rx_ring_full, AF_PACKET tp_drops). */
    public static final int RX_RING_FULL = 8;
    /** AF_XDP: the kernel had no free frame on the fill ring, or the frame was longer than one (rx_dropped). */
    public static final int RX_NO_BUFFER = 9;
    /** Every frame of the port's transmit ring was still in flight. */
    public static final int TX_RING_FULL = 10;
    /** A frame the port or the kernel refused to send (a bad descriptor or length), or a send that failed. */
    public static final int TX_ERROR = 11;

    public static final int FIRST_PORT_REASON = MEANT_FOR_HOST;
    public static final int COUNT = 12;

    private static final String[] NAMES = {"malformed", "no service", "no healthy backend", "too big", "no headroom",
        "unknown fragment", "meant for host", "rx too long", "rx ring full", "rx no buffer", "tx ring full", "tx error"};

    private DropReason()
    {
    }

    public static String name(final int reason)
    {
        return reason >= 0 && reason < COUNT ? NAMES[reason] : "unknown";
    }
}
