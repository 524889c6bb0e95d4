package io.fulcrum.controlplane.health;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.util.Locale;

/** Socket and TLS exceptions in the words an operator reads in a status page. */
final class Failures
{
    private Failures()
    {
    }

    static String describe(final Throwable failure)
    {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof SSLException) && cause.getCause() != cause)
        {
            if (cause instanceof ConnectException || cause instanceof PortUnreachableException)
            {
                break;
            }
            cause = cause.getCause();
        }
        final String message = cause.getMessage() == null ? "" : cause.getMessage();
        final String lower = message.toLowerCase(Locale.ROOT);
        if (cause instanceof PortUnreachableException || lower.contains("port unreachable"))
        {
            return "port unreachable (ICMP)";
        }
        if (lower.contains("connection refused"))
        {
            return "connection refused";
        }
        if (cause instanceof NoRouteToHostException || lower.contains("no route to host"))
        {
            return "no route to host";
        }
        if (lower.contains("network is unreachable"))
        {
            return "network unreachable";
        }
        if (lower.contains("connection reset"))
        {
            return "connection reset";
        }
        if (cause instanceof SSLException)
        {
            return "TLS: " + message;
        }
        return message.isEmpty() ? cause.getClass().getSimpleName() : cause.getClass().getSimpleName() + ": " + message;
    }
}
