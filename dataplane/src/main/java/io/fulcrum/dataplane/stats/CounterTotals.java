package io.fulcrum.dataplane.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.status.CountersReader;

/**
 * A reading of the counters file summed over workers: one row per counter type and owner, in allocation order.
 * This is what {@code fulcrum stat}, the replay summary and tests look at; it never writes.
 */
public final class CounterTotals
{
    /** One summed counter: {@code label} is the writer's label without its worker suffix. */
    public record Row(int typeId, long ownerId, String label, long value)
    {
    }

    private final List<Row> rows;

    private CounterTotals(final List<Row> rows)
    {
        this.rows = rows;
    }

    public static CounterTotals read(final CountersReader reader)
    {
        final Map<String, long[]> sums = new LinkedHashMap<>();
        final Map<String, Row> first = new LinkedHashMap<>();
        reader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final String object = stripWorker(label);
            final long owner = reader.getCounterOwnerId(counterId);
            final String key = typeId + "/" + owner + "/" + object;
            sums.computeIfAbsent(key, k -> new long[1])[0] += reader.getCounterValue(counterId);
            first.putIfAbsent(key, new Row(typeId, owner, object, 0));
        });
        final List<Row> rows = new ArrayList<>(sums.size());
        first.forEach((key, row) -> rows.add(new Row(row.typeId(), row.ownerId(), row.label(), sums.get(key)[0])));
        return new CounterTotals(rows);
    }

    private static String stripWorker(final String label)
    {
        final int at = label.lastIndexOf(" [worker ");
        return at < 0 ? label : label.substring(0, at);
    }

    public List<Row> rows()
    {
        return rows;
    }

    /** The summed value of a counter type for one owner (a service, backend or drop reason id); 0 if absent. */
    public long value(final int typeId, final long ownerId)
    {
        long value = 0;
        for (final Row row : rows)
        {
            if (row.typeId() == typeId && row.ownerId() == ownerId)
            {
                value += row.value();
            }
        }
        return value;
    }

    /** The sum of a counter type over all owners. */
    public long total(final int typeId)
    {
        long value = 0;
        for (final Row row : rows)
        {
            if (row.typeId() == typeId)
            {
                value += row.value();
            }
        }
        return value;
    }

    public List<Row> ofType(final int typeId)
    {
        final List<Row> matching = new ArrayList<>();
        for (final Row row : rows)
        {
            if (row.typeId() == typeId)
            {
                matching.add(row);
            }
        }
        return matching;
    }
}
