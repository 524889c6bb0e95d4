package io.fulcrum.proxy.http;

import io.fulcrum.proxy.pool.BackendSet;
import io.fulcrum.proxy.pool.ProxyTarget;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Passive-health reports as the proxy made them: "success 1", "failure 2" (backend ids). */
final class RecordedOutcomes implements BackendOutcomes
{
    final List<String> reports = new CopyOnWriteArrayList<>();

    @Override
    public void success(final BackendSet backends, final ProxyTarget target)
    {
        reports.add("success " + target.backendId());
    }

    @Override
    public void failure(final BackendSet backends, final ProxyTarget target)
    {
        reports.add("failure " + target.backendId());
    }
}
