package io.fulcrum.dataplane.port;

/**
 * What the forwarding core decided for one frame of a {@link PacketBatch}, in the spirit of XDP's actions.
 * Plain int constants so that the per-packet path never touches an enum or an object.
 */
public final class Verdict
{
    /** Not decided yet: a frame left in this state after processing is a bug and is dropped by the port. */
    public static final int NONE = 0;
    /** Send the (rewritten) frame out of the port it came in on: the one-arm DSR appliance. */
    public static final int TRANSMIT = 1;
    /** Hand the frame, unchanged, to the host's own network stack (ARP, VRRP, management): like XDP_PASS. */
    public static final int PASS = 2;
    /** Release the frame; the reason has been counted. */
    public static final int DROP = 3;

    private Verdict()
    {
    }

    public static String name(final int verdict)
    {
        return switch (verdict)
        {
            case TRANSMIT -> "transmit";
            case PASS -> "pass";
            case DROP -> "drop";
            default -> "none";
        };
    }
}
