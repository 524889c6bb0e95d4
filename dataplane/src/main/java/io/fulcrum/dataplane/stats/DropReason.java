package io.fulcrum.dataplane.stats;

/** Why the data plane dropped a frame. Each reason is a counter per worker; {@code fulcrum stat} sums them. */
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

    public static final int COUNT = 6;

    private static final String[] NAMES =
        {"malformed", "no service", "no healthy backend", "too big", "no headroom", "unknown fragment"};

    private DropReason()
    {
    }

    public static String name(final int reason)
    {
        return reason >= 0 && reason < COUNT ? NAMES[reason] : "unknown";
    }
}
