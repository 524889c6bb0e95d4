package io.fulcrum.benchmarks.proxy;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fulcrum.benchmarks.harness.Median;

/**
 * Every round of every contender in every case, and what the harness prints from them: per case a table of medians
 * over the rounds, with ratios to HAProxy in the same mode and to wrk straight to nginx, or the same as JSON. A
 * contender that could not start has its message in place of figures.
 */
final class ProxyTable
{
    private final Map<LoadCase, Map<Contender, List<RequestMeasurement>>> rounds = new EnumMap<>(LoadCase.class);
    private final Map<Contender, String> failures = new EnumMap<>(Contender.class);
    private final List<LoadCase> cases;
    private final List<Contender> contenders;
    private final String setup;
    private double loadAtStart = Double.NaN;
    private double loadAtEnd = Double.NaN;

    /** {@code setup}: one line on connections, body and CPUs, printed above the tables. */
    ProxyTable(final List<LoadCase> cases, final List<Contender> contenders, final String setup)
    {
        this.cases = List.copyOf(cases);
        this.contenders = List.copyOf(contenders);
        this.setup = setup;
    }

    /** The machine's 1-minute load average before the first window and after the last (its other work). */
    void load(final double atStart, final double atEnd)
    {
        loadAtStart = atStart;
        loadAtEnd = atEnd;
    }

    void add(final LoadCase loadCase, final Contender contender, final RequestMeasurement measurement)
    {
        rounds.computeIfAbsent(loadCase, c -> new EnumMap<>(Contender.class))
            .computeIfAbsent(contender, c -> new ArrayList<>()).add(measurement);
    }

    /** The contender failed (to start, or in a window); the first message is kept. */
    void fail(final Contender contender, final String message)
    {
        failures.putIfAbsent(contender, message);
    }

    boolean failed(final Contender contender)
    {
        return failures.containsKey(contender);
    }

    boolean anyFailed()
    {
        return !failures.isEmpty();
    }

    List<RequestMeasurement> measured(final LoadCase loadCase, final Contender contender)
    {
        return rounds.getOrDefault(loadCase, Map.of()).getOrDefault(contender, List.of());
    }

    double median(final LoadCase loadCase, final Contender contender,
        final ToDoubleFunction<RequestMeasurement> figure)
    {
        return Median.of(measured(loadCase, contender).stream().mapToDouble(figure).toArray());
    }

    /**
     * The plain-text tables. Per contender: requests/s and its ratios to direct and to HAProxy in the same mode
     * (above 1 is faster); p50 and p99 latency; the proxy's CPU time per request and its ratio to HAProxy's (below 1
     * is cheaper); how busy the proxy kept its CPU, and how busy the client's CPU was (near 100: wrk and nginx set
     * the rate, not the proxy); wrk's socket errors and non-2xx responses summed over the rounds;
     * each round's requests/s.
     */
    String render()
    {
        final StringBuilder out = new StringBuilder(setup).append('\n');
        if (!Double.isNaN(loadAtStart))
        {
            out.append(String.format(Locale.ROOT, "load average (1 min) %.2f at the start, %.2f at the end%n",
                loadAtStart, loadAtEnd));
        }
        for (final LoadCase loadCase : cases)
        {
            out.append('\n').append("case ").append(loadCase.key).append(": ").append(loadCase.title).append('\n');
            out.append(String.format(Locale.ROOT, "%-24s %9s %7s %7s %8s %8s | %9s %7s %6s %6s | %6s | %s%n",
                "proxy", "req/s", "vs", "vs", "p50", "p99", "proxy CPU", "vs", "proxy", "client", "errors",
                "req/s per round"));
            out.append(String.format(Locale.ROOT, "%-24s %9s %7s %7s %8s %8s | %9s %7s %6s %6s | %6s |%n", "", "",
                "direct", "HAProxy", "us", "us", "us/req", "HAProxy", "CPU %", "CPU %", ""));
            for (final Contender contender : contenders)
            {
                if (!contender.runs(loadCase))
                {
                    continue;
                }
                final List<RequestMeasurement> measured = measured(loadCase, contender);
                if (measured.isEmpty())
                {
                    out.append(String.format(Locale.ROOT, "%-24s %s%n", contender.title,
                        "failed: " + summary(failures.getOrDefault(contender, "not measured"))));
                    continue;
                }
                final double rate = median(loadCase, contender, RequestMeasurement::requestsPerSecond);
                final double cpu = median(loadCase, contender, RequestMeasurement::proxyCpuMicrosPerRequest);
                final Contender reference = contender.reference();
                final StringBuilder perRound = new StringBuilder();
                long errors = 0;
                for (final RequestMeasurement m : measured)
                {
                    perRound.append(String.format(Locale.ROOT, "%.0f ", m.requestsPerSecond()));
                    errors += m.wrk().socketErrors() + m.wrk().non2xx();
                }
                out.append(String.format(Locale.ROOT, "%-24s %9.0f %7s %7s %8.0f %8.0f | %9s %7s %6s %6s | %6d | %s%n",
                    contender.title, rate,
                    ratio(rate, median(loadCase, Contender.DIRECT, RequestMeasurement::requestsPerSecond)),
                    ratio(rate, median(loadCase, reference, RequestMeasurement::requestsPerSecond)),
                    median(loadCase, contender, m -> m.wrk().p50Micros()),
                    median(loadCase, contender, m -> m.wrk().p99Micros()),
                    Double.isNaN(cpu) ? "-" : String.format(Locale.ROOT, "%.1f", cpu),
                    ratio(cpu, median(loadCase, reference, RequestMeasurement::proxyCpuMicrosPerRequest)),
                    percent(median(loadCase, contender, RequestMeasurement::proxyCpuShare)),
                    percent(median(loadCase, contender, RequestMeasurement::clientCpuBusy)), errors,
                    perRound.toString().strip()));
            }
        }
        return out.toString();
    }

    /** The same figures as JSON: per case and contender the medians and each round, or the failure. */
    String json()
    {
        final ObjectMapper mapper = new ObjectMapper();
        final ObjectNode root = mapper.createObjectNode().put("setup", setup);
        number(root, "loadAverageAtStart", loadAtStart);
        number(root, "loadAverageAtEnd", loadAtEnd);
        final ArrayNode caseNodes = root.putArray("cases");
        for (final LoadCase loadCase : cases)
        {
            final ObjectNode caseNode = caseNodes.addObject().put("case", loadCase.key);
            final ArrayNode rows = caseNode.putArray("rows");
            for (final Contender contender : contenders)
            {
                if (!contender.runs(loadCase))
                {
                    continue;
                }
                final ObjectNode row = rows.addObject().put("proxy", contender.key);
                final List<RequestMeasurement> measured = measured(loadCase, contender);
                if (measured.isEmpty())
                {
                    row.put("failure", failures.getOrDefault(contender, "not measured"));
                    continue;
                }
                number(row, "requestsPerSecond", median(loadCase, contender, RequestMeasurement::requestsPerSecond));
                number(row, "p50Micros", median(loadCase, contender, m -> m.wrk().p50Micros()));
                number(row, "p99Micros", median(loadCase, contender, m -> m.wrk().p99Micros()));
                number(row, "proxyCpuMicrosPerRequest",
                    median(loadCase, contender, RequestMeasurement::proxyCpuMicrosPerRequest));
                final ArrayNode roundNodes = row.putArray("rounds");
                for (final RequestMeasurement m : measured)
                {
                    final ObjectNode round = roundNodes.addObject().put("requests", m.wrk().requests());
                    number(round, "requestsPerSecond", m.wrk().requestsPerSecond());
                    number(round, "p50Micros", m.wrk().p50Micros());
                    number(round, "p99Micros", m.wrk().p99Micros());
                    round.put("socketErrors", m.wrk().socketErrors()).put("non2xx", m.wrk().non2xx());
                    number(round, "clientCpuBusy", m.clientCpuBusy());
                    if (m.proxyCpuNanos() >= 0)
                    {
                        round.put("proxyCpuNanos", m.proxyCpuNanos());
                    }
                }
            }
        }
        return root.toPrettyString() + "\n";
    }

    /** JSON has no NaN: a figure that does not exist (the direct case's proxy CPU) is left out. */
    private static void number(final ObjectNode node, final String name, final double value)
    {
        if (!Double.isNaN(value) && !Double.isInfinite(value))
        {
            node.put(name, value);
        }
    }

    /**
     * The line of a failure that says why, for the table (the JSON has all of it): the program's first alert
     * (HAProxy's {@code [ALERT]}), else the first line of its output (Fulcrum's first configuration problem), else
     * the message itself.
     */
    static String summary(final String message)
    {
        final List<String> lines = message.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (lines.isEmpty())
        {
            return "";
        }
        return lines.stream().filter(line -> line.contains("[ALERT]")).findFirst()
            .orElse(lines.size() > 1 ? lines.get(1) : lines.getFirst());
    }

    static String ratio(final double value, final double reference)
    {
        return Double.isNaN(reference) || Double.isNaN(value) || reference == 0 ? "-"
            : String.format(Locale.ROOT, "%.2fx", value / reference);
    }

    private static String percent(final double share)
    {
        return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.0f", share * 100);
    }
}
