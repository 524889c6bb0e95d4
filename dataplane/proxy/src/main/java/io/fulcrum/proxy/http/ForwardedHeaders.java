package io.fulcrum.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * Tells the backend who the client is: the client's address appended to X-Forwarded-For (the de-facto form) and
 * to Forwarded (RFC 7239, with the protocol and the Host the client asked for), and X-Forwarded-Proto. What the
 * client sent in X-Forwarded-For and Forwarded stays in front of the proxy's element: a backend that trusts only the
 * proxy reads the last element. X-Forwarded-Proto is replaced: the proxy knows how the client connected.
 */
final class ForwardedHeaders
{
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final String PROTO = "http";

    private ForwardedHeaders()
    {
    }

    /** @param host the request's Host as the client sent it, or null */
    static void append(final HttpHeaders headers, final InetAddress client, final String host)
    {
        final String address = address(client);
        appendElement(headers, X_FORWARDED_FOR, address);
        final StringBuilder forwarded = new StringBuilder(48).append("for=");
        if (client instanceof Inet6Address)
        {
            forwarded.append("\"[").append(address).append("]\"");
        }
        else
        {
            forwarded.append(address);
        }
        forwarded.append(";proto=").append(PROTO);
        if (host != null)
        {
            forwarded.append(";host=");
            quoted(forwarded, host);
        }
        appendElement(headers, FORWARDED, forwarded.toString());
        headers.set(X_FORWARDED_PROTO, PROTO);
    }

    private static void appendElement(final HttpHeaders headers, final AsciiString name, final String element)
    {
        final List<String> prior = headers.getAll(name);
        if (prior.isEmpty())
        {
            headers.set(name, element);
        }
        else
        {
            headers.set(name, String.join(", ", prior) + ", " + element);
        }
    }

    private static String address(final InetAddress client)
    {
        final String text = client.getHostAddress();
        final int scope = text.indexOf('%');
        return scope < 0 ? text : text.substring(0, scope);
    }

    /** RFC 7239 4: a value that is not a token (a host with a port has ':') goes in a quoted-string. */
    private static void quoted(final StringBuilder out, final String value)
    {
        boolean token = !value.isEmpty();
        for (int i = 0; i < value.length() && token; i++)
        {
            final char c = value.charAt(i);
            token = Character.isLetterOrDigit(c) && c < 0x80 || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
        if (token)
        {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\')
            {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }
}
