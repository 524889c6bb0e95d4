package io.fulcrum.controlplane.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fulcrum.vrrp.VrrpAgent;

class EventLogLoggerFinderTest
{
    private final StringWriter written = new StringWriter();

    @AfterEach
    void unroute()
    {
        EventLogLoggerFinder.routeTo(null);
    }

    @Test
    void theJdkUsesTheEventLogsFinder()
    {
        assertInstanceOf(EventLogLoggerFinder.class, System.LoggerFinder.getLoggerFinder());
    }

    @Test
    void aVrrpLogLineComesOutAsOneJsonObjectWithLogFormatJson() throws Exception
    {
        EventLogLoggerFinder.routeTo(new EventLog(new PrintWriter(written), EventLog.Format.JSON));
        // The logger and the call VrrpAgent makes on a state change.
        System.getLogger(VrrpAgent.class.getName()).log(System.Logger.Level.INFO,
            "({0}) Entering {1} STATE ({2})", "VI_1", "MASTER", "master down timer");

        final String line = written.toString().strip();
        assertEquals(1, line.lines().count(), line);
        final JsonNode event = new ObjectMapper().readTree(line);
        assertEquals("log", event.get("event").asText());
        assertEquals("(VI_1) Entering MASTER STATE (master down timer)", event.get("message").asText());
        assertEquals("INFO", event.get("level").asText());
        assertEquals(VrrpAgent.class.getName(), event.get("logger").asText());
        assertTrue(event.has("time"));
    }

    @Test
    void humanFormatKeepsTheSentenceAndMarksWarnings()
    {
        EventLogLoggerFinder.routeTo(new EventLog(new PrintWriter(written), EventLog.Format.HUMAN));
        System.getLogger("io.fulcrum.dataplane.port.afxdp.AfXdpPort").log(System.Logger.Level.WARNING,
            "AF_XDP on {0}: busy polling not available: {1}", "eth0", "EPERM");
        System.getLogger("io.fulcrum.controlplane.health.HealthChecker").log(System.Logger.Level.DEBUG, "not shown");

        assertEquals("fulcrum run: warning: AF_XDP on eth0: busy polling not available: EPERM",
            written.toString().strip());
    }
}
