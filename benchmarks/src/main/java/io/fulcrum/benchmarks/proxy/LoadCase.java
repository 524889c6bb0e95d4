package io.fulcrum.benchmarks.proxy;

import java.util.List;

/** How wrk loads the proxy: the same requests, over kept connections or one connection per request. */
enum LoadCase
{
    KEEP_ALIVE("keep-alive", "keep-alive HTTP/1.1", List.of()),
    /** The client asks the server to close after each response, so every request pays a TCP handshake and close. */
    CONNECTION_CLOSE("close", "connection per request (Connection: close)", List.of("-H", "Connection: close"));

    final String key;
    final String title;
    final List<String> wrkArguments;

    LoadCase(final String key, final String title, final List<String> wrkArguments)
    {
        this.key = key;
        this.title = title;
        this.wrkArguments = wrkArguments;
    }

    static LoadCase byKey(final String key)
    {
        for (final LoadCase loadCase : values())
        {
            if (loadCase.key.equals(key))
            {
                return loadCase;
            }
        }
        throw new IllegalArgumentException("unknown case '" + key + "' (keep-alive, close)");
    }
}
