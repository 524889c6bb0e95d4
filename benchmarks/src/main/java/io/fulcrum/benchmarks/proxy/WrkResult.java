package io.fulcrum.benchmarks.proxy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one wrk run reports (wrk 4.1 with {@code --latency}): requests completed and their rate (wrk's own
 * {@code Requests/sec}, from its microsecond clock; the {@code requests in 1.03s} line has two decimals), the 50th and
 * 99th percentiles of latency in microseconds, socket errors (connect, read, write and timeout together) and
 * responses that were not 2xx or 3xx.
 */
record WrkResult(long requests, double requestsPerSecond, double p50Micros, double p99Micros, long socketErrors,
    long non2xx)
{
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m|h),");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|99)(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$",
        Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS =
        Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern RATE = Pattern.compile("^Requests/sec:\\s+([\\d.]+)\\s*$", Pattern.MULTILINE);
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    /** Parses wrk's report; throws naming what is missing, with the output, when it is not one. */
    static WrkResult parse(final String output)
    {
        final Matcher requests = REQUESTS.matcher(output);
        if (!requests.find())
        {
            throw new IllegalArgumentException("wrk's output has no 'N requests in T' line:\n" + output.strip());
        }
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        final Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find())
        {
            final double micros = micros(percentile.group(2), percentile.group(3));
            if (percentile.group(1).equals("50"))
            {
                p50 = micros;
            }
            else
            {
                p99 = micros;
            }
        }
        if (Double.isNaN(p50) || Double.isNaN(p99))
        {
            throw new IllegalArgumentException("wrk's output has no latency distribution (run it with --latency):\n"
                + output.strip());
        }
        long socketErrors = 0;
        final Matcher errors = SOCKET_ERRORS.matcher(output);
        if (errors.find())
        {
            for (int group = 1; group <= 4; group++)
            {
                socketErrors += Long.parseLong(errors.group(group));
            }
        }
        final long count = Long.parseLong(requests.group(1));
        final Matcher rate = RATE.matcher(output);
        final double seconds = micros(requests.group(2), requests.group(3)) / 1e6;
        final Matcher non2xx = NON_2XX.matcher(output);
        return new WrkResult(count, rate.find() ? Double.parseDouble(rate.group(1)) : count / seconds, p50, p99,
            socketErrors, non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0);
    }

    /** wrk's time units (units.c: us, ms, s, m, h) to microseconds. */
    static double micros(final String value, final String unit)
    {
        final double scale = switch (unit)
        {
            case "us" -> 1;
            case "ms" -> 1e3;
            case "s" -> 1e6;
            case "m" -> 60e6;
            case "h" -> 3600e6;
            default -> throw new IllegalArgumentException("unknown time unit '" + unit + "'");
        };
        return Double.parseDouble(value) * scale;
    }
}
