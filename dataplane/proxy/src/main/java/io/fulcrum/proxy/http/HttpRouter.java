package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Picks the backend pool of a request as nginx picks a server and then a location: the routes of the request's host
 * (without port, compared without case) first, the routes for any host next, the longest matching path prefix among
 * them, the default pool when none matches. Immutable; replaced whole when routes change.
 */
final class HttpRouter
{
    private static final Comparator<HttpRoute> LONGEST_PREFIX_FIRST =
        Comparator.comparingInt((HttpRoute route) -> route.pathPrefix().length()).reversed();

    private final Map<String, List<HttpRoute>> byHost = new HashMap<>();
    private final List<HttpRoute> anyHost = new ArrayList<>();
    private final BackendSet defaultBackends;

    HttpRouter(final List<HttpRoute> routes, final BackendSet defaultBackends)
    {
        this.defaultBackends = defaultBackends;
        for (final HttpRoute route : routes)
        {
            if (route.host() == null)
            {
                anyHost.add(route);
            }
            else
            {
                byHost.computeIfAbsent(route.host(), host -> new ArrayList<>()).add(route);
            }
        }
        anyHost.sort(LONGEST_PREFIX_FIRST);
        byHost.values().forEach(list -> list.sort(LONGEST_PREFIX_FIRST));
    }

    /**
     * @param host the Host header as sent (may carry a port), null when the request has none
     * @param uri  the request target in origin form ("/path?query")
     */
    BackendSet route(final String host, final String uri)
    {
        if (byHost.isEmpty() && anyHost.isEmpty())
        {
            return defaultBackends;
        }
        final String path = path(uri);
        if (!byHost.isEmpty() && host != null)
        {
            final BackendSet hostMatch = longestPrefix(byHost.get(hostName(host)), path);
            if (hostMatch != null)
            {
                return hostMatch;
            }
        }
        final BackendSet anyMatch = longestPrefix(anyHost, path);
        return anyMatch != null ? anyMatch : defaultBackends;
    }

    /** "Example.COM:8080" is "example.com", "[::1]:80" is "[::1]", a trailing dot is dropped. */
    static String hostName(final String host)
    {
        String name = host.trim();
        if (name.startsWith("["))
        {
            final int end = name.indexOf(']');
            name = end < 0 ? name : name.substring(0, end + 1);
        }
        else
        {
            final int colon = name.lastIndexOf(':');
            name = colon < 0 ? name : name.substring(0, colon);
            name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static BackendSet longestPrefix(final List<HttpRoute> routes, final String path)
    {
        if (routes != null)
        {
            for (final HttpRoute route : routes)
            {
                if (path.startsWith(route.pathPrefix()))
                {
                    return route.backends();
                }
            }
        }
        return null;
    }

    private static String path(final String uri)
    {
        for (int i = 0; i < uri.length(); i++)
        {
            final char c = uri.charAt(i);
            if (c == '?' || c == '#')
            {
                return uri.substring(0, i);
            }
        }
        return uri;
    }
}
