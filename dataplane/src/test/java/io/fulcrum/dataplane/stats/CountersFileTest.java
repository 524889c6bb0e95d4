package io.fulcrum.dataplane.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.errors.DistinctErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.BackendState;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.balance.Service;

class CountersFileTest
{
    @TempDir
    Path dir;

    @Test
    void aReaderOfTheFileSeesWhatTwoWorkersCountedSummed() throws Exception
    {
        final Path path = dir.resolve("counters");
        final CountersFile file = CountersFile.create(path, 256);
        final CountersRegistry registry = new CountersRegistry(file);
        final WorkerCounters first = registry.newWorker();
        final WorkerCounters second = registry.newWorker();
        final Service web = new Service(3, "web", InetAddress.getByName("192.0.2.10"), 80, Service.TCP,
            Encapsulation.IPIP, 65537,
            List.of(new Backend(7, InetAddress.getByName("10.0.0.11"), 100, BackendState.ACTIVE, 0)));
        registry.ensure(List.of(web));

        first.objects().forwarded(3, 7, 100, true);
        first.objects().forwarded(3, 7, 60, false);
        second.objects().forwarded(3, 7, 40, true);
        second.drop(DropReason.MALFORMED).incrementRelease();

        final CounterTotals totals = CounterTotals.read(CountersFile.openReadOnly(path).reader());
        assertEquals(3, totals.value(CounterType.SERVICE_PACKETS, 3));
        assertEquals(200, totals.value(CounterType.SERVICE_BYTES, 3));
        assertEquals(2, totals.value(CounterType.SERVICE_NEW_FLOWS, 3));
        assertEquals(3, totals.value(CounterType.BACKEND_PACKETS, 7));
        assertEquals(1, totals.value(CounterType.WORKER_DROP, DropReason.MALFORMED));
        assertTrue(totals.rows().stream().anyMatch(r -> r.label().equals("service web (192.0.2.10:80/tcp): packets")));
    }

    @Test
    void aFileThatIsNotACountersFileIsRefusedWithTheReason() throws Exception
    {
        final Path path = dir.resolve("other");
        Files.write(path, new byte[8192]);
        final IOException error = assertThrows(IOException.class, () -> CountersFile.openReadOnly(path));
        assertTrue(error.getMessage().contains("bad magic"), error.getMessage());
    }

    @Test
    void anotherProcessReadsEachDistinctErrorOnceWithHowOftenItHappened() throws Exception
    {
        final Path path = dir.resolve("counters");
        final CountersFile file = CountersFile.create(path, 64);
        final DistinctErrorLog log = file.errorLog(System::currentTimeMillis);
        final IllegalStateException repeated = new IllegalStateException("ring full");
        for (int i = 0; i < 3; i++)
        {
            assertTrue(log.record(repeated));
        }
        assertTrue(log.record(new IllegalArgumentException("bad frame")));

        final CountersFile reader = CountersFile.openReadOnly(path);
        final Map<String, Integer> seen = new HashMap<>();
        final int distinct = reader.readErrors((observations, first, last, text) ->
            seen.put(text.lines().findFirst().orElseThrow(), observations));
        assertEquals(2, distinct);
        assertEquals(3, seen.get("java.lang.IllegalStateException: ring full"));
        assertEquals(1, seen.get("java.lang.IllegalArgumentException: bad frame"));
    }

    @Test
    void theLongestDutyCycleIsShownPerWorkerNotSummed()
    {
        final CountersFile file = CountersFile.inMemory(128);
        final CountersRegistry registry = new CountersRegistry(file);
        registry.newWorker().longestCycleNs().setRelease(700);
        registry.newWorker().longestCycleNs().setRelease(900);

        final List<CounterTotals.Row> rows = CounterTotals.read(file.reader()).ofType(CounterType.WORKER_LONGEST_CYCLE_NS);
        assertEquals(List.of("longest duty cycle, ns (worker 0)", "longest duty cycle, ns (worker 1)"),
            rows.stream().map(CounterTotals.Row::label).toList());
        assertEquals(List.of(700L, 900L), rows.stream().map(CounterTotals.Row::value).toList());
    }
}
