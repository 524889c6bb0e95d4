package io.fulcrum.proxy.http;

import io.fulcrum.dataplane.balance.scheduler.BackendLoad;
import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.ProxyTarget;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One request on its way to a backend and its response on the way back. Picks the backend, takes a pooled
 * connection or opens one, retries where that is safe, streams both bodies with backpressure (the side that cannot
 * take more stops the other from being read, as a TCP relay does) and reports the outcome to the backend's load, the
 * counters and passive health. Runs on its client's event loop, as do its backend connections.
 *
 * <p>Response time, for least-response-time and the histogram: from the request's headers written to the backend
 * until the response's headers arrive (time to first byte). The size of the response and the speed of the client say
 * nothing about the backend, so the time to the last byte is not taken. The backend's load counts the request as
 * open from the headers written until the response's last byte.
 *
 * <p>Retries: a failed connect is retried for any request (nothing reached a backend; its body, if any, is still
 * here); a reset before any byte of the response only for an idempotent request without a body (RFC 9110 9.2.2),
 * since the body already went to the first backend. A retry goes to another backend of the pool when there is one.
 */
final class HttpExchange implements BackendConnection.Listener
{
    /** Request body held while the backend connection opens, before the client is no longer read. */
    private static final int MAX_QUEUED_BODY_BYTES = 64 * 1024;

    private final ClientConnection client;
    private final HttpProxyService service;
    private final HttpRequest request;
    private final BackendSet backends;
    private final boolean bodyExpected;
    private final boolean retryableAfterReset;
    private final boolean continueExpected;
    private final boolean clientKeepAlive;
    private final boolean http10;
    private final boolean head;
    private ArrayDeque<HttpContent> queued;
    private int queuedBytes;
    private ProxyTarget target;
    private List<ProxyTarget> tried;
    private int retriesLeft;
    private BackendConnection backend;
    private long sentNanos;
    private long latencyNanos;
    private BackendLoad openLoad;
    private boolean requestReceived;
    private boolean requestSent;
    private boolean continueSent;
    private boolean responseStarted;
    private boolean responseHeadSent;
    private boolean responseDone;
    private boolean backendReusable;
    private boolean closeClient;
    private boolean finished;

    HttpExchange(final ClientConnection client, final HttpProxyService service, final HttpRequest request)
    {
        this.client = client;
        this.service = service;
        this.request = request;
        final HttpHeaders headers = request.headers();
        final String host = headers.get(HttpHeaderNames.HOST);
        this.backends = service.router().route(host, request.uri());
        final boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        this.bodyExpected = chunked || HttpUtil.getContentLength(request, 0L) > 0;
        this.retryableAfterReset = !bodyExpected && idempotent(request.method());
        this.continueExpected = bodyExpected && HttpUtil.is100ContinueExpected(request);
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.http10 = request.protocolVersion().minorVersion() == 0;
        this.head = HttpMethod.HEAD.equals(request.method());
        HopByHopHeaders.strip(headers);
        if (continueExpected)
        {
            // Answered here (RFC 9110 10.1.1 lets a proxy): the body streams on once the backend is connected.
            headers.remove(HttpHeaderNames.EXPECT);
        }
        if (chunked)
        {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (service.settings().forwardedHeaders())
        {
            ForwardedHeaders.append(headers, client.address(), host);
        }
        // Backends are spoken to in HTTP/1.1 whatever the client speaks, so their connections can be kept.
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    void start()
    {
        target = backends.pick(client.flowHash(), client.clientHash());
        if (target == null)
        {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE);
            return;
        }
        retriesLeft = service.settings().retries();
        connect();
    }

    boolean requestReceived()
    {
        return requestReceived;
    }

    /** Whether the client may be read: the request is in, or its body has somewhere to go. */
    boolean acceptsRequestBytes()
    {
        if (requestReceived || responseDone)
        {
            return true;
        }
        return backend != null ? backend.isWritable() : queuedBytes < MAX_QUEUED_BODY_BYTES;
    }

    void requestContent(final HttpContent content)
    {
        final boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure())
        {
            content.release();
            requestReceived = true;
            client.requestReceived();
            closeClient = true;
            clientSentBrokenBody();
            return;
        }
        if (last)
        {
            requestReceived = true;
            client.requestReceived();
        }
        if (!bodyExpected || responseDone || finished)
        {
            // A body-less request went out whole with its headers; after an answer the rest is dropped.
            content.release();
            if (last)
            {
                finishIfDone();
            }
            return;
        }
        if (backend == null)
        {
            if (queued == null)
            {
                queued = new ArrayDeque<>();
            }
            queued.add(content);
            queuedBytes += content.content().readableBytes();
            return;
        }
        backend.write(content);
        if (last)
        {
            requestSent = true;
            backend.awaitResponse();
        }
    }

    void flushToBackend()
    {
        if (backend != null)
        {
            backend.flush();
        }
    }

    void clientWritabilityChanged(final boolean writable)
    {
        if (backend != null && responseHeadSent)
        {
            if (writable)
            {
                backend.resumeReading();
            }
            else
            {
                backend.pauseReading();
            }
        }
    }

    /** The client went away: the backend connection is closed, not pooled, as its response may be half read. */
    void clientClosed()
    {
        finished = true;
        responseDone = true;
        releaseQueued();
        closeBackend();
        endLoad();
    }

    private void connect()
    {
        final BackendConnection idle = client.pool().pollIdle(target.address());
        if (idle != null)
        {
            attach(idle);
            return;
        }
        final ProxyTarget connecting = target;
        client.pool().connect(connecting.address()).addListener(future -> connected((ChannelFuture)future,
            connecting));
    }

    private void connected(final ChannelFuture future, final ProxyTarget connecting)
    {
        if (finished)
        {
            if (future.isSuccess())
            {
                // Nothing was sent on it: as good as a pooled one.
                client.pool().release(BackendConnection.of(future.channel()), connecting.address());
            }
            return;
        }
        if (!future.isSuccess())
        {
            service.outcomes().failure(backends, connecting);
            if (!retry())
            {
                respondLocally(HttpResponseStatus.BAD_GATEWAY);
            }
            return;
        }
        attach(BackendConnection.of(future.channel()));
    }

    private boolean retry()
    {
        if (retriesLeft == 0)
        {
            return false;
        }
        retriesLeft--;
        service.counters().retry();
        if (tried == null)
        {
            tried = new ArrayList<>(2);
        }
        tried.add(target);
        final ProxyTarget other = backends.pickOther(client.flowHash(), client.clientHash(), tried);
        target = other != null ? other : target;
        connect();
        return true;
    }

    private void attach(final BackendConnection connection)
    {
        backend = connection;
        connection.attach(this);
        final HttpHeaders headers = request.headers();
        if (!headers.contains(HttpHeaderNames.HOST))
        {
            // An HTTP/1.0 client may send none; HTTP/1.1 to the backend needs one.
            headers.set(HttpHeaderNames.HOST, hostHeader(target.address()));
        }
        openLoad = target.candidate().load();
        openLoad.begin();
        service.counters().backend(target.backendId()).request();
        sentNanos = System.nanoTime();
        connection.write(request);
        if (!bodyExpected)
        {
            connection.write(LastHttpContent.EMPTY_LAST_CONTENT);
            requestSent = true;
            connection.awaitResponse();
        }
        else
        {
            HttpContent content;
            while (queued != null && (content = queued.poll()) != null)
            {
                connection.write(content);
                if (content instanceof LastHttpContent)
                {
                    requestSent = true;
                    connection.awaitResponse();
                }
            }
            queuedBytes = 0;
            if (continueExpected && !requestReceived && !continueSent)
            {
                continueSent = true;
                client.sendContinue();
            }
        }
        connection.flush();
        client.updateReading();
    }

    @Override
    public void responseHead(final HttpResponse response)
    {
        final int status = response.status().code();
        if (response.decoderResult().isFailure() || status == 101)
        {
            // Nothing sensible to pass on: no Upgrade was forwarded, so a switch of protocols is an error too.
            backendFailedBeforeResponse();
            return;
        }
        if (status < 200)
        {
            // Interim (100 Continue was answered here, 103 Early Hints) is not passed on.
            return;
        }
        responseStarted = true;
        latencyNanos = System.nanoTime() - sentNanos;
        if (status >= 500)
        {
            service.outcomes().failure(backends, target);
        }
        else
        {
            service.outcomes().success(backends, target);
        }
        backendReusable = HttpUtil.isKeepAlive(response);
        final HttpHeaders headers = response.headers();
        HopByHopHeaders.strip(headers);
        final boolean noBody = head || status == 204 || status == 304;
        if (!noBody && !headers.contains(HttpHeaderNames.CONTENT_LENGTH))
        {
            // Chunked or delimited by the backend's close: chunked to an HTTP/1.1 client, delimited by our close
            // to an HTTP/1.0 one.
            if (http10)
            {
                closeClient = true;
            }
            else
            {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (!clientKeepAlive || !requestReceived)
        {
            // Answered before its body was read to its end: what follows cannot be told apart from a next request.
            closeClient = true;
        }
        if (closeClient)
        {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        else if (http10)
        {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        client.writeResponseHead(response);
        responseHeadSent = true;
    }

    @Override
    public void responseContent(final HttpContent content)
    {
        if (!responseHeadSent)
        {
            // The end of an interim response.
            content.release();
            return;
        }
        if (content.decoderResult().isFailure())
        {
            content.release();
            backendFailedInResponse();
            return;
        }
        client.write(content);
        if (content instanceof LastHttpContent)
        {
            responseComplete();
        }
        else if (!client.isWritable())
        {
            backend.pauseReading();
        }
    }

    @Override
    public void backendReadComplete()
    {
        if (responseHeadSent)
        {
            client.flush();
        }
    }

    @Override
    public void backendWritabilityChanged()
    {
        client.updateReading();
    }

    @Override
    public void backendClosed()
    {
        final boolean reused = backend != null && backend.reused();
        backend = null;
        if (responseStarted)
        {
            service.outcomes().failure(backends, target);
            endLoad();
            cutOffResponse();
            return;
        }
        endLoad();
        if (!reused)
        {
            // A reused connection closed early is most often the backend closing it idle, not a failure.
            service.outcomes().failure(backends, target);
        }
        if (!(retryableAfterReset && retry()))
        {
            respondLocally(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    @Override
    public void responseTimedOut()
    {
        closeBackend();
        final long now = System.nanoTime();
        if (openLoad != null)
        {
            // The wait is what the backend showed of its speed: least-response-time should see it.
            openLoad.end(now - sentNanos, now);
            openLoad = null;
        }
        service.outcomes().failure(backends, target);
        if (responseHeadSent)
        {
            cutOffResponse();
        }
        else
        {
            respondLocally(HttpResponseStatus.GATEWAY_TIMEOUT);
        }
    }

    private void responseComplete()
    {
        responseDone = true;
        final long now = System.nanoTime();
        openLoad.end(latencyNanos, now);
        openLoad = null;
        service.counters().backend(target.backendId()).responseTimes().record(latencyNanos);
        final BackendConnection connection = backend;
        backend = null;
        if (backendReusable && requestSent)
        {
            client.pool().release(connection, target.address());
        }
        else
        {
            connection.close();
        }
        client.flush();
        finishIfDone();
    }

    private void backendFailedBeforeResponse()
    {
        closeBackend();
        endLoad();
        service.outcomes().failure(backends, target);
        respondLocally(HttpResponseStatus.BAD_GATEWAY);
    }

    private void backendFailedInResponse()
    {
        closeBackend();
        endLoad();
        service.outcomes().failure(backends, target);
        cutOffResponse();
    }

    /** The client's chunked body broke off mid-request: the backend has half a request, the client a 400. */
    private void clientSentBrokenBody()
    {
        closeBackend();
        endLoad();
        if (responseHeadSent)
        {
            cutOffResponse();
        }
        else if (!responseDone)
        {
            respondLocally(HttpResponseStatus.BAD_REQUEST);
        }
        else
        {
            finishIfDone();
        }
    }

    /** Part of the response is at the client: it can only learn of the failure by the connection closing. */
    private void cutOffResponse()
    {
        service.counters().truncatedResponse();
        responseDone = true;
        finished = true;
        releaseQueued();
        client.flush();
        client.abort();
    }

    private void respondLocally(final HttpResponseStatus status)
    {
        responseDone = true;
        releaseQueued();
        closeBackend();
        if (!clientKeepAlive || bodyExpected && !requestReceived)
        {
            closeClient = true;
        }
        client.sendError(status, closeClient, http10);
        finishIfDone();
    }

    private void finishIfDone()
    {
        if (!finished && responseDone && (requestReceived || closeClient))
        {
            finished = true;
            client.exchangeDone(!closeClient);
        }
    }

    private void closeBackend()
    {
        if (backend != null)
        {
            final BackendConnection connection = backend;
            backend = null;
            connection.close();
        }
    }

    private void endLoad()
    {
        if (openLoad != null)
        {
            openLoad.end();
            openLoad = null;
        }
    }

    private void releaseQueued()
    {
        if (queued != null)
        {
            HttpContent content;
            while ((content = queued.poll()) != null)
            {
                content.release();
            }
            queuedBytes = 0;
        }
    }

    private static boolean idempotent(final HttpMethod method)
    {
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.PUT.equals(method) ||
            HttpMethod.DELETE.equals(method) || HttpMethod.OPTIONS.equals(method) || HttpMethod.TRACE.equals(method);
    }

    private static String hostHeader(final InetSocketAddress address)
    {
        final String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
