package io.fulcrum.controlplane.daemon;

import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * Routes every {@link System.Logger} (VRRP, AF_XDP, health checks, the JDK's own) into the daemon's {@link EventLog},
 * so that each line comes out in the format {@code --log-format} chose. Registered as the JDK's logger finder in
 * {@code META-INF/services}; until {@code fulcrum run} {@linkplain #routeTo routes} it, lines go to standard error
 * as plain text (the other commands print nothing else there).
 */
public final class EventLogLoggerFinder extends System.LoggerFinder
{
    /** Levels below this one are not written; {@code -Dfulcrum.log.level=DEBUG} shows more. */
    private static final System.Logger.Level THRESHOLD =
        System.Logger.Level.valueOf(System.getProperty("fulcrum.log.level", "INFO").toUpperCase(java.util.Locale.ROOT));

    private static volatile EventLog sink;

    /** From now on every System.Logger line is an event of {@code log}. */
    public static void routeTo(final EventLog log)
    {
        sink = log;
    }

    @Override
    public System.Logger getLogger(final String name, final Module module)
    {
        return new EventLogger(name);
    }

    private record EventLogger(String name) implements System.Logger
    {
        @Override
        public String getName()
        {
            return name;
        }

        @Override
        public boolean isLoggable(final Level level)
        {
            return level != Level.OFF && level.getSeverity() >= THRESHOLD.getSeverity();
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String message, final Throwable thrown)
        {
            if (isLoggable(level))
            {
                write(level, thrown == null ? message : message + ": " + thrown);
            }
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String format, final Object... params)
        {
            if (isLoggable(level))
            {
                write(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params));
            }
        }

        private void write(final Level level, final String message)
        {
            final EventLog log = sink;
            final String text = level.getSeverity() >= Level.WARNING.getSeverity()
                ? level.getName().toLowerCase(java.util.Locale.ROOT) + ": " + message : message;
            if (log == null)
            {
                System.err.println("fulcrum: " + text);
                return;
            }
            log.event("log", text, "level", level.getName(), "logger", name);
        }
    }
}
