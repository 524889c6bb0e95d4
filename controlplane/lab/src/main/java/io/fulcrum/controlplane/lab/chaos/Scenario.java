package io.fulcrum.controlplane.lab.chaos;

import java.util.ArrayList;
import java.util.List;

/** The faults of the suite (issue 6), numbered as the issue numbers them. */
public enum Scenario
{
    MASTER_KILLED(1, "master kill -9 after a backend was added", true),
    MASTER_LINK_DOWN(2, "master link down", false),
    LAN_PARTITION(3, "LAN partition of the master, then heal", false),
    GRACEFUL_STOP(4, "graceful stop of the master (SIGTERM)", false),
    DATAPLANE_RESTART(5, "data-plane restart on the master (kill -9, start) after a backend was added", true),
    BACKEND_KILLED(6, "a backend killed (only its flows may fail)", false),
    SYNC_LOSS(7, "sync link drops 10% of datagrams, backend added, master kill -9", true);

    private final int number;
    private final String title;
    private final boolean backendAdded;

    Scenario(final int number, final String title, final boolean backendAdded)
    {
        this.number = number;
        this.title = title;
        this.backendAdded = backendAdded;
    }

    public int number()
    {
        return number;
    }

    public String title()
    {
        return title;
    }

    /**
     * True when a backend joins the pool after the connections opened and before the fault: hashing alone then sends
     * some established flows elsewhere, so only connection state (synced or persisted) keeps them.
     */
    public boolean backendAdded()
    {
        return backendAdded;
    }

    public static Scenario byNumber(final int number)
    {
        for (final Scenario scenario : values())
        {
            if (scenario.number == number)
            {
                return scenario;
            }
        }
        throw new IllegalArgumentException("no scenario " + number + ": the scenarios are 1 to " + values().length);
    }

    /** "1,3,5" or "all". */
    public static List<Scenario> parse(final String list)
    {
        if (list.strip().equals("all"))
        {
            return List.of(values());
        }
        final List<Scenario> scenarios = new ArrayList<>();
        for (final String number : list.split(","))
        {
            try
            {
                scenarios.add(byNumber(Integer.parseInt(number.strip())));
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("scenarios are numbers 1 to " + values().length + ": " + list);
            }
        }
        return scenarios;
    }
}
