package io.fulcrum.controlplane.daemon;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One line per event that matters (start, stop, reload, backend up or down, operator action, VRRP state), to standard
 * output for journald: human by default, one JSON object per line with {@code --log-format json}. Events carry a
 * kind (stable, for alerting) and fields (for machines) besides the sentence (for people).
 */
public final class EventLog
{
    public enum Format
    {
        HUMAN, JSON
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;
    private final Format format;

    public EventLog(final PrintWriter out, final Format format)
    {
        this.out = out;
        this.format = format;
    }

    /** Logs {@code message}; {@code fields} alternate names and values ("backend", "10.0.0.11", ...). */
    public synchronized void event(final String kind, final String message, final Object... fields)
    {
        if (format == Format.HUMAN)
        {
            out.println("fulcrum run: " + message);
        }
        else
        {
            final Map<String, Object> all = new LinkedHashMap<>();
            all.put("time", Instant.now().toString());
            all.put("event", kind);
            all.put("message", message);
            for (int i = 0; i + 1 < fields.length; i += 2)
            {
                all.put(String.valueOf(fields[i]), fields[i + 1]);
            }
            out.println(json(all));
        }
        out.flush();
    }

    private static String json(final Map<String, Object> fields)
    {
        try
        {
            return JSON.writeValueAsString(fields);
        }
        catch (final JsonProcessingException e)
        {
            return "{\"event\":\"log-error\",\"message\":\"cannot write an event as JSON\"}"; // strings and numbers only
        }
    }
}
