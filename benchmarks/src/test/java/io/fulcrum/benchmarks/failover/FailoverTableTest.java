package io.fulcrum.benchmarks.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The harness's table, without a lab: what it prints once the rounds are measured. */
class FailoverTableTest
{
    @Test
    void eachIntervalIsOneRowOfMediansAndTheRoundsAndTheTableEndsWithTheLastInterval()
    {
        final FailoverTable table = new FailoverTable();
        table.add(Duration.ofMillis(100), new long[][] {{313, 298, 340}, {314, 309, 345}},
            new long[][] {{362_000_000, 361_000_000, 363_000_000}, {366_400_000, 366_000_000, 367_000_000}});
        table.add(Duration.ofMillis(10), new long[][] {{35, 31, 28}, {41, 48, 51}},
            new long[][] {{36_600_000, 36_000_000, 37_000_000}, {53_600_000, 53_000_000, 54_000_000}});

        assertEquals(List.of(
            "| advert interval | Fulcrum outage, median ms | keepalived outage, median ms | ratio | Fulcrum rounds | "
                + "keepalived rounds | Fulcrum, from last advert, median ms | keepalived, same |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            "| 100 ms | 313 | 314 | 1.00 | [313, 298, 340] | [314, 309, 345] | 362.0 | 366.4 |",
            "| 10 ms | 31 | 48 | 0.65 | [35, 31, 28] | [41, 48, 51] | 36.6 | 53.6 |"),
            table.render().lines().toList());
    }

    @Test
    void intervalsAreWrittenAsTheDocsWriteThem()
    {
        assertEquals("1 s", FailoverTable.text(Duration.ofSeconds(1)));
        assertEquals("10 ms", FailoverTable.text(Duration.ofMillis(10)));
    }
}
