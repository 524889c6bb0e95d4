package io.fulcrum.controlplane.lab;

import java.time.Duration;
import java.util.List;

import io.fulcrum.dataplane.sys.CommandResult;
import io.fulcrum.dataplane.sys.Commands;

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

    /**
     * Requests {@code url} {@code count} times from {@code namespace} with ONE curl process: each request on a new
     * connection ({@code Connection: close}), so each is a new flow for a balancer, without a process per request.
     * Returns one answer per request, in order: the body, or why it failed.
     */
    public static List<Answer> getEach(final String namespace, final String url, final int count)
    {
        final List<String> command = new java.util.ArrayList<>(List.of("curl", "--silent", "--noproxy", "*",
            "--connect-timeout", String.valueOf(CONNECT_TIMEOUT_SECONDS), "--max-time",
            String.valueOf(MAX_TIME_SECONDS), "--header", "Connection: close", "--write-out", "\n" + MARK
                + "%{http_code} %{exitcode}\n"));
        for (int i = 0; i < count; i++)
        {
            command.add(url);
        }
        final CommandResult result = Commands.runIn(namespace,
            Duration.ofSeconds(10 + (long)count * MAX_TIME_SECONDS), command.toArray(String[]::new));
        final List<Answer> answers = new java.util.ArrayList<>(count);
        final StringBuilder body = new StringBuilder();
        for (final String line : result.stdout().split("\n"))
        {
            if (!line.startsWith(MARK))
            {
                body.append(line);
                continue;
            }
            final String[] codes = line.substring(MARK.length()).split(" ");
            answers.add(codes[0].equals("200") ? new Answer(true, body.toString().strip())
                : new Answer(false, codes.length > 1 && !codes[1].equals("0") ? "curl exit " + codes[1]
                    : "HTTP " + codes[0]));
            body.setLength(0);
        }
        while (answers.size() < count)
        {
            answers.add(new Answer(false, result.timedOut() ? "no answer" : why(result)));
        }
        return answers;
    }

    /** Marks curl's per-request summary line in the output of {@link #getEach}. */
    private static final String MARK = "#fulcrum-lab# ";

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
