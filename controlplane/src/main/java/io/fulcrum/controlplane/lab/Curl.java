package io.fulcrum.controlplane.lab;

import java.time.Duration;
import java.util.List;

/**
 * HTTP requests from inside a namespace with the real curl, as a user would make them: a new connection for every
 * request (so a balancer sees a new flow each time), a short connect timeout and an overall time limit, and never
 * through a proxy from the environment (the lab's addresses exist only inside its namespaces).
 */
public final class Curl
{
    /**
     * Long enough for one SYN retransmission (the initial RTO is 1 s, RFC 6298 section 2), short enough that a dead
     * target costs little: the first IPv6 connection in a fresh lab now and then loses its first SYN.
     */
    public static final int CONNECT_TIMEOUT_SECONDS = 2;
    public static final int MAX_TIME_SECONDS = 4;

    private Curl()
    {
    }

    /** The URL of {@code address} (IPv4 or IPv6) on the lab's HTTP port. */
    public static String url(final String address)
    {
        return "http://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + LabTopology.HTTP_PORT + "/";
    }

    /** Requests {@code url} from {@code namespace}; the answer is the body, stripped, or the failure in a few words. */
    public static Answer get(final String namespace, final String url)
    {
        final CommandResult result = Commands.runIn(namespace, Duration.ofSeconds(MAX_TIME_SECONDS + 3),
            List.of("curl", "--silent", "--show-error", "--noproxy", "*", "--connect-timeout",
                String.valueOf(CONNECT_TIMEOUT_SECONDS), "--max-time", String.valueOf(MAX_TIME_SECONDS),
                "--header", "Connection: close", url).toArray(String[]::new));
        if (result.succeeded())
        {
            return new Answer(true, result.stdout().strip());
        }
        return new Answer(false, why(result));
    }

    /** curl's exit codes (curl(1), EXIT CODES) in a few plain words. */
    private static String why(final CommandResult result)
    {
        if (result.timedOut())
        {
            return "no answer";
        }
        return switch (result.exitCode())
        {
            case 7 -> result.stderr().contains("refused") ? "connection refused" : "could not connect";
            case 28 -> "timed out";
            case 52 -> "empty reply";
            case 56 -> "connection reset";
            case 127 -> "curl not found";
            default -> "curl exit " + result.exitCode();
        };
    }

    /** One request's outcome: the reply body when {@code ok}, otherwise why it failed. */
    public record Answer(boolean ok, String text)
    {
    }
}
