package io.fulcrum.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

import java.util.List;

/**
 * Lets through only requests the proxy and any backend read the same way. Anything else becomes a
 * {@link RefusedRequest} in its place and everything after it on the connection is dropped: the answer closes it.
 *
 * <p>Request smuggling (RFC 9112 6.3): the decoder already refuses Content-Length with Transfer-Encoding, more
 * than one Content-Length, a final coding other than chunked and Transfer-Encoding in HTTP/1.0; this handler checks
 * the same again, so no decoder setting or future default can let one through, and is stricter where the decoder is
 * lenient: only "chunked" alone is taken, since a backend that decodes "gzip, chunked" differently would see another
 * body. Host (RFC 9112 3.2): exactly one, required in HTTP/1.1; an absolute-form target becomes origin form with its
 * authority as Host.
 */
final class RequestValidator extends ChannelInboundHandlerAdapter
{
    private boolean refused;

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (refused)
        {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request)
        {
            final DecoderResult result = request.decoderResult();
            if (result.isFailure() && result.cause() instanceof PrematureChannelClosureException)
            {
                refused = true;
                ReferenceCountUtil.release(msg);
                return;
            }
            final RefusedRequest refusal = refusal(request);
            if (refusal != null)
            {
                refused = true;
                ReferenceCountUtil.release(msg);
                ctx.fireChannelRead(refusal);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** @return why the request cannot be forwarded, or null; turns an absolute-form target into origin form */
    static RefusedRequest refusal(final HttpRequest request)
    {
        final DecoderResult result = request.decoderResult();
        if (result.isFailure())
        {
            final Throwable cause = result.cause();
            if (cause instanceof TooLongHttpHeaderException)
            {
                return new RefusedRequest(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, cause.getMessage());
            }
            if (cause instanceof TooLongHttpLineException)
            {
                return new RefusedRequest(HttpResponseStatus.REQUEST_URI_TOO_LONG, cause.getMessage());
            }
            return bad(String.valueOf(cause.getMessage()));
        }
        final HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1)
        {
            return new RefusedRequest(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, version.text());
        }
        final boolean http11 = version.minorVersion() == 1;
        if (HttpMethod.CONNECT.equals(request.method()))
        {
            return new RefusedRequest(HttpResponseStatus.NOT_IMPLEMENTED, "CONNECT: not a forward proxy");
        }
        final HttpHeaders headers = request.headers();
        final RefusedRequest framing = framingRefusal(headers, http11);
        if (framing != null)
        {
            return framing;
        }
        final String expect = headers.get(HttpHeaderNames.EXPECT);
        if (http11 && expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim()))
        {
            return new RefusedRequest(HttpResponseStatus.EXPECTATION_FAILED, "Expect: " + expect);
        }
        final String authority = absoluteFormAuthority(request);
        if (authority != null)
        {
            if (authority.isEmpty() || authority.indexOf('@') >= 0)
            {
                return bad("absolute-form target without a plain authority");
            }
            headers.set(HttpHeaderNames.HOST, authority);
        }
        return hostRefusal(headers.getAll(HttpHeaderNames.HOST), http11);
    }

    private static RefusedRequest framingRefusal(final HttpHeaders headers, final boolean http11)
    {
        final List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (lengths.size() > 1)
        {
            return bad("several Content-Length");
        }
        final List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (codings.isEmpty())
        {
            return null;
        }
        if (!http11)
        {
            return bad("Transfer-Encoding in HTTP/1.0");
        }
        if (!lengths.isEmpty())
        {
            return bad("both Content-Length and Transfer-Encoding");
        }
        if (codings.size() > 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.getFirst().trim()))
        {
            return bad("Transfer-Encoding other than chunked: " + codings);
        }
        return null;
    }

    private static RefusedRequest hostRefusal(final List<String> hosts, final boolean http11)
    {
        if (hosts.size() > 1)
        {
            return bad("several Host");
        }
        if (hosts.isEmpty())
        {
            return http11 ? bad("no Host in HTTP/1.1") : null;
        }
        final String host = hosts.getFirst();
        if (host.isBlank())
        {
            return bad("empty Host");
        }
        for (int i = 0; i < host.length(); i++)
        {
            final char c = host.charAt(i);
            if (c <= ' ' || c == '/' || c == '@' || c == ',' || c == '\\' || c == '"' || c >= 0x7f)
            {
                return bad("invalid Host: " + host);
            }
        }
        return null;
    }

    /** The authority of "http://authority/path", after which the target is set to "/path"; null for origin form. */
    private static String absoluteFormAuthority(final HttpRequest request)
    {
        final String uri = request.uri();
        final int schemeEnd;
        if (uri.regionMatches(true, 0, "http://", 0, 7))
        {
            schemeEnd = 7;
        }
        else if (uri.regionMatches(true, 0, "https://", 0, 8))
        {
            schemeEnd = 8;
        }
        else
        {
            return null;
        }
        int end = schemeEnd;
        while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?' && uri.charAt(end) != '#')
        {
            end++;
        }
        final String rest = uri.substring(end);
        request.setUri(rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest);
        return uri.substring(schemeEnd, end);
    }

    private static RefusedRequest bad(final String reason)
    {
        return new RefusedRequest(HttpResponseStatus.BAD_REQUEST, reason);
    }
}
