package io.fulcrum.controlplane.lab;

import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code lab traffic} measured for one target: how many of the requests each backend answered (by the name in
 * the reply body) and how many failed, grouped by why.
 */
public record TrafficResult(String target, int requests, Map<String, Integer> answers, Map<String, Integer> failures)
{
    public TrafficResult
    {
        answers = Map.copyOf(answers);
        failures = Map.copyOf(failures);
    }

    public int answered()
    {
        return answers.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** One line, e.g. {@code http://10.200.0.100/: 20 requests, be1 7, be2 6, be3 7}. */
    public String describe()
    {
        final StringBuilder line = new StringBuilder(target).append(": ").append(requests).append(" requests");
        new TreeMap<>(answers).forEach((name, count) -> line.append(", ").append(name).append(' ').append(count));
        new TreeMap<>(failures).forEach((why, count) -> line.append(", failed (").append(why).append(") ").append(count));
        return line.toString();
    }
}
