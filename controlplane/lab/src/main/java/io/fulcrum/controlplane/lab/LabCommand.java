package io.fulcrum.controlplane.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.fulcrum.controlplane.cli.FulcrumCommand;
import io.fulcrum.dataplane.sys.CommandFailedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine;

/**
 * {@code fulcrum lab}: the virtual lab. Without a subcommand it runs the demo ({@link LabDemo}); the subcommands
 * drive a lab that stays up between commands. Errors are printed as one line and give exit code 1.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
    description = {"A virtual network of namespaces on this machine that shows Fulcrum as it is deployed.",
        "A client behind a router, a server LAN with two balancers (lb1 owns the VIPs) and three backends.",
        "Without a subcommand: bring the lab up, check it, and take it down again. Needs root."},
    subcommands = {LabCommand.Up.class, LabCommand.Status.class, LabCommand.Traffic.class, LabCommand.Kill.class,
        LabCommand.Revive.class, LabCommand.Down.class, LabCommand.Config.class, LabBackendCommand.class,
        LabCommand.Chaos.class})
public final class LabCommand implements Callable<Integer>
{
    private final DecapHook decapHook;

    /** The lab command; backends decapsulate with XDP where the kernel has no ipip. */
    public LabCommand()
    {
        this(DecapHook.XDP_IN_SERVER);
    }

    /** The lab command whose backends decapsulate with {@code decapHook} where the kernel has no ipip. */
    public LabCommand(final DecapHook decapHook)
    {
        this.decapHook = decapHook;
    }

    @Option(names = "--prefix", defaultValue = LabTopology.DEFAULT_PREFIX,
        description = "Name prefix of the lab's namespaces (default: ${DEFAULT-VALUE}, giving fl-client, fl-lb1, ...).")
    String prefix;

    @Option(names = "--state-dir", description = "Where the lab keeps its state and logs (default: /run/fulcrum-lab/PREFIX).")
    Path stateDirectory;

    /**
     * The main of {@code fulcrum-lab.jar}, which the launcher runs from the checkout: the whole {@code fulcrum}
     * command line with this command as its {@code lab} (the appliance's jar has no lab).
     */
    public static void main(final String[] args)
    {
        System.exit(fulcrumWithLab().execute(args));
    }

    /** {@code fulcrum} with the lab: every command of the appliance's jar, and {@code lab}. */
    public static CommandLine fulcrumWithLab()
    {
        return FulcrumCommand.commandLine(new LabCommand());
    }

    /** The lab these options name. */
    Lab lab()
    {
        final Path state = stateDirectory != null ? stateDirectory : Lab.defaultStateDirectory(prefix);
        return new Lab(new LabTopology(prefix), state, System.out, decapHook);
    }

    @Option(names = "--packet-io", defaultValue = "auto",
        description = "How lb1's data plane meets the wire in the demo: auto, af_xdp or af_packet (default: ${DEFAULT-VALUE}).")
    String packetIo;

    @Override
    public Integer call()
    {
        return guarded(() -> new LabDemo(lab(), System.out, packetIo).run());
    }

    static int guarded(final Callable<Integer> action)
    {
        try
        {
            return action.call();
        }
        catch (final LabException | CommandFailedException | IllegalArgumentException e)
        {
            final String message = String.valueOf(e.getMessage());
            System.err.println(message.startsWith("fulcrum lab") ? message : "fulcrum lab: " + message);
            return 1;
        }
        catch (final Exception e)
        {
            System.err.println("fulcrum lab: " + e);
            return 1;
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
        description = "Build the lab, start the backends' servers and Fulcrum on lb1.")
    static final class Up implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Option(names = "--packet-io", defaultValue = "auto",
            description = "lb1's packet I/O: auto, af_xdp or af_packet (default: ${DEFAULT-VALUE}).")
        String packetIo;

        @Option(names = "--no-balancer", description = "Leave lb1 idle (start nothing on it).")
        boolean noBalancer;

        @Option(names = "--no-sync", description = "Run the pair without connection sync (to see what it saves).")
        boolean noSync;

        @Override
        public Integer call()
        {
            return guarded(() ->
            {
                final Lab lab = parent.lab();
                lab.sync(!noSync);
                lab.up();
                if (!noBalancer)
                {
                    try
                    {
                        lab.startBalancer(packetIo);
                    }
                    catch (final RuntimeException e)
                    {
                        lab.down();
                        throw e;
                    }
                }
                return 0;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the lab's namespaces, their addresses and whether each backend's server is alive.")
    static final class Status implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Override
        public Integer call()
        {
            return guarded(() ->
            {
                System.out.print(parent.lab().status());
                return 0;
            });
        }
    }

    @Command(name = "traffic", mixinStandardHelpOptions = true,
        description = "Send requests from the client to both VIPs and count the answers per backend.")
    static final class Traffic implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Option(names = {"-n", "--requests"}, defaultValue = "20", description = "Requests per VIP (default: ${DEFAULT-VALUE}).")
        int requests;

        @Override
        public Integer call()
        {
            return guarded(() ->
            {
                if (requests < 1 || requests > 10_000)
                {
                    throw new LabException("--requests must be between 1 and 10000");
                }
                int answered = 0;
                for (final TrafficResult result : parent.lab().traffic(requests))
                {
                    System.out.println(result.describe());
                    answered += result.answered();
                }
                if (answered == 0)
                {
                    System.out.println("no backend answered through the VIPs: is the balancer running on lb1?");
                }
                return 0;
            });
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true,
        description = "Make a node fail: stop a backend's server, or take a node's LAN port down.")
    static final class Kill implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Parameters(paramLabel = "NODE", description = "be1, be2, be3, lb1, lb2 or router.")
        String node;

        @Option(names = "--link", description = "For a backend: take its LAN port down instead of stopping its server.")
        boolean link;

        @Override
        public Integer call()
        {
            return guarded(() ->
            {
                final Lab lab = parent.lab();
                System.out.println(lab.kill(node, link));
                if (node.startsWith("be") && lab.balancerRunning())
                {
                    System.out.println("lb1's health check takes it out of the pool within 1.5 s (3 failed checks "
                        + "500 ms apart); `fulcrum lab revive " + node + "` brings it back");
                }
                return 0;
            });
        }
    }

    @Command(name = "revive", mixinStandardHelpOptions = true,
        description = "Undo kill: restart a backend's server, or bring a node's LAN port back up.")
    static final class Revive implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Parameters(paramLabel = "NODE", description = "be1, be2, be3, lb1, lb2 or router.")
        String node;

        @Override
        public Integer call()
        {
            return guarded(() ->
            {
                System.out.println(parent.lab().revive(node));
                return 0;
            });
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
        description = "Remove every namespace, link and process the lab made (also after a failed up).")
    static final class Down implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Override
        public Integer call()
        {
            return guarded(() ->
            {
                parent.lab().down();
                return 0;
            });
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the Fulcrum config for lb1 (the lab must be up: it reads the backends' MACs).")
    static final class Config implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Override
        public Integer call()
        {
            return guarded(() ->
            {
                Lab.checkPrerequisites();
                System.out.print(parent.lab().balancerConfig());
                return 0;
            });
        }
    }

    @Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"The fault suite: a lab of its own, a workload of long-lived and new connections, and faults",
            "(master kill -9, link down, partition, graceful stop, restart, backend killed, lossy sync link).",
            "Prints per scenario the outage, the connections lost and the requests failed; exit code 1 when a",
            "scenario missed its goal. Takes the lab down at the end."})
    static final class Chaos implements Callable<Integer>
    {
        @ParentCommand
        LabCommand parent;

        @Option(names = "--scenarios", defaultValue = "all", paramLabel = "LIST",
            description = "Scenarios to run, e.g. 1,3,6 (default: ${DEFAULT-VALUE}).")
        String scenarios;

        @Option(names = "--no-sync", description = "Run the pair without connection-state sync (its sync: section removed).")
        boolean noSync;

        @Option(names = "--connections", defaultValue = "200",
            description = "Long-lived connections, each asking every 100 ms (default: ${DEFAULT-VALUE}).")
        int connections;

        @Option(names = "--new-per-second", defaultValue = "20",
            description = "New connections a second during each scenario (default: ${DEFAULT-VALUE}).")
        int newPerSecond;

        @Override
        public Integer call()
        {
            return guarded(() -> new io.fulcrum.controlplane.lab.chaos.ChaosRun(parent.lab(), System.out,
                parent.packetIo, !noSync, connections, newPerSecond)
                .run(io.fulcrum.controlplane.lab.chaos.Scenario.parse(scenarios)));
        }
    }
}
