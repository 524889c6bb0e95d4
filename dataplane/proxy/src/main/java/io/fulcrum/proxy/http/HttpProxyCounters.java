package io.fulcrum.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What one HTTP proxy service did, for /metrics and ctl. Thread-safe; event loops add, readers sum. */
public final class HttpProxyCounters
{
    private final LongAdder requests = new LongAdder();
    private final LongAdder[] responsesByClass = new LongAdder[5];
    private final LongAdder badRequests = new LongAdder();
    private final LongAdder headerTooLarge = new LongAdder();
    private final LongAdder requestTimeouts = new LongAdder();
    private final LongAdder noBackend = new LongAdder();
    private final LongAdder badGateway = new LongAdder();
    private final LongAdder gatewayTimeouts = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder truncatedResponses = new LongAdder();
    private final Map<Integer, BackendRequestCounters> backends = new ConcurrentHashMap<>();

    HttpProxyCounters()
    {
        for (int i = 0; i < responsesByClass.length; i++)
        {
            responsesByClass[i] = new LongAdder();
        }
    }

    void request()
    {
        requests.increment();
    }

    /** A response (interim ones too) written to a client, by its status class. */
    void response(final HttpResponseStatus status)
    {
        final int statusClass = status.code() / 100;
        if (statusClass >= 1 && statusClass <= 5)
        {
            responsesByClass[statusClass - 1].increment();
        }
    }

    /** An answer of the proxy's own: counted by what it says. */
    void refusal(final HttpResponseStatus status)
    {
        switch (status.code())
        {
            case 408 -> requestTimeouts.increment();
            case 431 -> headerTooLarge.increment();
            case 502 -> badGateway.increment();
            case 503 -> noBackend.increment();
            case 504 -> gatewayTimeouts.increment();
            default -> badRequests.increment();
        }
    }

    void retry()
    {
        retries.increment();
    }

    void truncatedResponse()
    {
        truncatedResponses.increment();
    }

    BackendRequestCounters backend(final int backendId)
    {
        final BackendRequestCounters counters = backends.get(backendId);
        return counters != null ? counters : backends.computeIfAbsent(backendId, id -> new BackendRequestCounters());
    }

    /** Requests received from clients, the refused ones too. */
    public long requests()
    {
        return requests.sum();
    }

    /** @param statusClass 1 to 5 (1xx to 5xx) */
    public long responses(final int statusClass)
    {
        return responsesByClass[statusClass - 1].sum();
    }

    /** Requests refused as malformed or unsupported: 400, and 414, 417, 501, 505. */
    public long badRequests()
    {
        return badRequests.sum();
    }

    /** 431: header lines over the limit. */
    public long headerTooLarge()
    {
        return headerTooLarge.sum();
    }

    /** 408: headers not complete within the request-header timeout. */
    public long requestTimeouts()
    {
        return requestTimeouts.sum();
    }

    /** 503: no backend of the request's pool takes new work. */
    public long noBackend()
    {
        return noBackend.sum();
    }

    /** 502: every attempt failed to connect, or the backend failed before its response began. */
    public long badGateway()
    {
        return badGateway.sum();
    }

    /** 504: the backend stayed silent past the backend response timeout before its response began. */
    public long gatewayTimeouts()
    {
        return gatewayTimeouts.sum();
    }

    /** Further attempts after a failed connect or an early reset. */
    public long retries()
    {
        return retries.sum();
    }

    /** Responses cut off after their headers reached the client (backend closed or timed out): client closed. */
    public long truncatedResponses()
    {
        return truncatedResponses.sum();
    }

    /** By backend id, the backends sent at least one request. */
    public Map<Integer, BackendRequestCounters> backends()
    {
        return Collections.unmodifiableMap(backends);
    }
}
