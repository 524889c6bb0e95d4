package io.fulcrum.dataplane.flow;

/**
 * Idle timeouts of connection-table entries, in milliseconds: an entry not seen for longer than its timeout is gone.
 *
 * @param tcpEstablishedMillis a TCP flow with no FIN or RST seen (default 900 s, as IPVS's established timeout)
 * @param tcpClosingMillis     any flow after {@link ConnectionTable#markClosing} (TCP FIN or RST seen; default 10 s)
 * @param udpMillis            a UDP flow (default 60 s)
 * @param otherMillis          any other protocol (default 60 s)
 */
public record Timeouts(long tcpEstablishedMillis, long tcpClosingMillis, long udpMillis, long otherMillis)
{
    public static final Timeouts DEFAULTS = new Timeouts(900_000, 10_000, 60_000, 60_000);

    public Timeouts
    {
        if (tcpEstablishedMillis <= 0 || tcpClosingMillis <= 0 || udpMillis <= 0 || otherMillis <= 0)
        {
            throw new IllegalArgumentException("timeouts must be positive: " + tcpEstablishedMillis + ", " +
                tcpClosingMillis + ", " + udpMillis + ", " + otherMillis);
        }
    }
}
