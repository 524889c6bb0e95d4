package io.fulcrum.proxy.http;

import java.util.concurrent.atomic.LongAdder;

/** What one backend of an HTTP service was sent and how fast it answered. Thread-safe. */
public final class BackendRequestCounters
{
    private final LongAdder requests = new LongAdder();
    private final ResponseTimeHistogram responseTimes = new ResponseTimeHistogram();

    void request()
    {
        requests.increment();
    }

    /** Requests sent to this backend, each attempt of a retried one counted. */
    public long requests()
    {
        return requests.sum();
    }

    /** From the request's headers written to the response's headers read, per complete response. */
    public ResponseTimeHistogram responseTimes()
    {
        return responseTimes;
    }
}
