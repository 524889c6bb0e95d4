package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.ProxyTarget;

/**
 * Where the proxy reports how each backend answered, for passive health (outlier detection): a connect failure, a
 * reset or timeout before a complete response and a 5xx are failures; a 2xx to 4xx response is a success.
 */
public interface BackendOutcomes
{
    /** Reports nowhere. */
    BackendOutcomes NONE = new BackendOutcomes()
    {
        @Override
        public void success(final BackendSet backends, final ProxyTarget target)
        {
        }

        @Override
        public void failure(final BackendSet backends, final ProxyTarget target)
        {
        }
    };

    /** Into the backend set's passive health: consecutive failures eject a backend for a while. */
    BackendOutcomes PASSIVE_HEALTH = new BackendOutcomes()
    {
        @Override
        public void success(final BackendSet backends, final ProxyTarget target)
        {
            backends.reportSuccess(target);
        }

        @Override
        public void failure(final BackendSet backends, final ProxyTarget target)
        {
            backends.reportFailure(target);
        }
    };

    /** Called on the event loop of the request; must not block. */
    void success(BackendSet backends, ProxyTarget target);

    /** Called on the event loop of the request; must not block. */
    void failure(BackendSet backends, ProxyTarget target);
}
