package io.fulcrum.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * The header fields that describe one connection and end at it (RFC 9110 7.6.1): Connection and the fields it names,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding (the proxy frames each side itself) and Upgrade.
 *
 * <p>Upgrade is removed, not refused: RFC 9110 7.8 lets a server ignore it, so a client asking for h2c or WebSocket
 * gets the backend's plain HTTP/1.1 answer (curl --http2 on an http URL works; a WebSocket client sees the backend's
 * answer to a request without the upgrade, typically 400 or 426). WebSocket is not proxied yet.
 */
final class HopByHopHeaders
{
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private HopByHopHeaders()
    {
    }

    static void strip(final HttpHeaders headers)
    {
        if (headers.contains(HttpHeaderNames.CONNECTION))
        {
            final List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
            for (final String value : values)
            {
                for (final String token : value.split(","))
                {
                    final String name = token.trim();
                    // Connection must not take away what frames the message or names the host.
                    if (!name.isEmpty() && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name) &&
                        !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name))
                    {
                        headers.remove(name);
                    }
                }
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRAILER);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.UPGRADE);
    }
}
