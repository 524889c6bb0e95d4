package io.fulcrum.controlplane.lab;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fulcrum.dataplane.sys.CommandResult;

/**
 * The demo's part for the http proxy service ({@link LabTopology#PROXY_VIP4}): the same requests under each scheduler
 * (the config rewritten and reloaded for each, as an operator would), then one backend slowed down, where
 * least-response-time moves the load away from it and round-robin does not. Prints a table of requests per backend
 * for each. Leaves the service as it found it: round-robin, no backend slowed.
 */
final class ProxyDemo
{
    static final int REQUESTS = 60;
    static final String SLOW_BACKEND = "be2";
    static final int SLOW_MILLIS = 50;
    static final List<String> SCHEDULERS = List.of("round-robin", "least-connections", "least-response-time",
        "ip-hash", "random-two-choices", "maglev");

    private final Lab lab;
    private final PrintStream out;
    private final List<String> backends;

    ProxyDemo(final Lab lab, final PrintStream out)
    {
        this.lab = lab;
        this.out = out;
        this.backends = lab.topology().backends().stream().map(LabNode::name).toList();
    }

    /** Runs both parts; true when every request was answered and least-response-time avoided the slow backend. */
    boolean run()
    {
        out.println("== the http proxy service on " + LabTopology.PROXY_VIP4 + ":" + LabTopology.HTTP_PORT + ": lb1 "
            + "takes each connection and sends the request on to a backend's own address (no tunnel, no VIP there)");
        out.println("== " + REQUESTS + " requests from the client under each scheduler (config rewritten, SIGHUP), "
            + "by the backend that answered");
        final Map<String, TrafficResult> bySchedulers = new LinkedHashMap<>();
        try
        {
            for (final String scheduler : SCHEDULERS)
            {
                bySchedulers.put(scheduler, requestsUnder(scheduler));
            }
            table(bySchedulers);
            out.println("  (ip-hash keeps a client on one backend, and the lab has one client; maglev hashes each "
                + "connection; least-connections sees one request at a time; least-response-time goes by each "
                + "backend's peak-EWMA latency, decaying over 10 s, so one slow answer, a JVM still warming up, "
                + "costs that backend its share for a while)");
            latencies();

            out.println();
            lab.delayBackend(SLOW_BACKEND, SLOW_MILLIS);
            out.println("== " + SLOW_BACKEND + " slowed down: its server waits " + SLOW_MILLIS + " ms before each "
                + "answer (GET " + LabBackendServer.DELAY_PATH + "?ms=" + SLOW_MILLIS + "); " + REQUESTS
                + " requests under each");
            final Map<String, TrafficResult> slowed = new LinkedHashMap<>();
            slowed.put("round-robin", requestsUnder("round-robin"));
            slowed.put("least-response-time", requestsUnder("least-response-time"));
            table(slowed);
            latencies();
            final int roundRobin = slowed.get("round-robin").answers().getOrDefault(SLOW_BACKEND, 0);
            final int leastResponseTime = slowed.get("least-response-time").answers().getOrDefault(SLOW_BACKEND, 0);
            final boolean avoided = leastResponseTime * 3 <= roundRobin;
            out.printf("  %s served %d under round-robin and %d under least-response-time (peak-EWMA latency: "
                + "avoided from its first slow answer)%s%n", SLOW_BACKEND, roundRobin, leastResponseTime,
                avoided ? "" : "  NOT AS EXPECTED: least-response-time should send it far fewer");
            return allAnswered(bySchedulers) && allAnswered(slowed) && avoided;
        }
        finally
        {
            lab.delayBackend(SLOW_BACKEND, 0);
            lab.proxyScheduler(LabBalancerConfig.DEFAULT_PROXY_SCHEDULER);
        }
    }

    private TrafficResult requestsUnder(final String scheduler)
    {
        lab.proxyScheduler(scheduler);
        return lab.traffic(REQUESTS, List.of(LabTopology.PROXY_VIP4)).getFirst();
    }

    /** The proxy pool's backends as lb1 sees them: {@code fulcrum ctl backends}, with the latency it goes by. */
    private void latencies()
    {
        out.println("  fulcrum ctl backends on lb1, the proxy's pool:");
        final CommandResult result = lab.ctl("backends");
        if (!result.succeeded())
        {
            out.println("    (fulcrum ctl failed: " + result.stderr().strip() + ")");
            return;
        }
        result.stdout().lines().filter(line -> line.startsWith("POOL") || line.startsWith(LabBalancerConfig.PROXY_POOL
            + " ")).forEach(line -> out.println("    " + line));
    }

    /** One line per scheduler: the requests each backend answered, and those that failed. */
    private void table(final Map<String, TrafficResult> results)
    {
        final StringBuilder header = new StringBuilder(String.format("  %-20s", "scheduler"));
        backends.forEach(backend -> header.append(String.format("%6s", backend)));
        out.println(header.append(String.format("%8s", "failed")));
        for (final Map.Entry<String, TrafficResult> result : results.entrySet())
        {
            final StringBuilder line = new StringBuilder(String.format("  %-20s", result.getKey()));
            backends.forEach(backend -> line.append(String.format("%6d",
                result.getValue().answers().getOrDefault(backend, 0))));
            out.println(line.append(String.format("%8d", REQUESTS - result.getValue().answered())));
        }
    }

    private boolean allAnswered(final Map<String, TrafficResult> results)
    {
        boolean ok = true;
        for (final TrafficResult result : results.values())
        {
            if (result.answered() != result.requests())
            {
                out.println("  NOT AS EXPECTED: every request answered: " + result.describe());
                ok = false;
            }
        }
        return ok;
    }
}
