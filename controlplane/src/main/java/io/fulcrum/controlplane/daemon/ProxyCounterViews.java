package io.fulcrum.controlplane.daemon;

import io.fulcrum.proxy.http.HttpProxyCounters;
import io.fulcrum.proxy.tcp.TcpProxyCounters;
import io.fulcrum.proxy.udp.UdpProxyCounters;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A proxied service's counters by name, for the API, ctl and /metrics: one map whatever the mode, so each view
 * lists what its mode counts. Names starting with {@code active} are levels (gauges), the others totals.
 */
final class ProxyCounterViews
{
    private ProxyCounterViews()
    {
    }

    static Map<String, Long> of(final Object counters)
    {
        final Map<String, Long> view = new LinkedHashMap<>();
        switch (counters)
        {
            case TcpProxyCounters tcp ->
            {
                view.put("accepted", tcp.accepted());
                view.put("active", (long)tcp.active());
                view.put("refused", tcp.refused());
                view.put("noBackend", tcp.noBackend());
                view.put("connectFailures", tcp.connectFailures());
                view.put("retries", tcp.retries());
                view.put("backendFailures", tcp.backendFailures());
                view.put("idleTimeouts", tcp.idleTimeouts());
                view.put("bytesIn", tcp.bytesIn());
                view.put("bytesOut", tcp.bytesOut());
            }
            case UdpProxyCounters udp ->
            {
                view.put("sessions", udp.sessions());
                view.put("activeSessions", (long)udp.activeSessions());
                view.put("sessionTimeouts", udp.sessionTimeouts());
                view.put("datagramsIn", udp.datagramsIn());
                view.put("datagramsOut", udp.datagramsOut());
                view.put("noBackend", udp.noBackend());
                view.put("backendErrors", udp.backendErrors());
            }
            case HttpProxyCounters http ->
            {
                view.put("requests", http.requests());
                for (int statusClass = 1; statusClass <= 5; statusClass++)
                {
                    view.put("responses" + statusClass + "xx", http.responses(statusClass));
                }
                view.put("badRequests", http.badRequests());
                view.put("headerTooLarge", http.headerTooLarge());
                view.put("requestTimeouts", http.requestTimeouts());
                view.put("noBackend", http.noBackend());
                view.put("badGateway", http.badGateway());
                view.put("gatewayTimeouts", http.gatewayTimeouts());
                view.put("retries", http.retries());
                view.put("truncatedResponses", http.truncatedResponses());
            }
            default -> throw new IllegalArgumentException("not a proxy's counters: " + counters);
        }
        return view;
    }
}
