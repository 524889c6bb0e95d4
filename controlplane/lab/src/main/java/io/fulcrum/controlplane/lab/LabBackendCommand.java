package io.fulcrum.controlplane.lab;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line of a lab backend's server: what the lab runs in each backend's namespace as
 * {@code java -cp CLASSPATH io.fulcrum.controlplane.lab.LabBackendServer --lab PREFIX --name be1 --port 80}, and the
 * hidden {@code fulcrum lab backend} (the same options, to run one by hand).
 */
@Command(name = "backend", mixinStandardHelpOptions = true, hidden = true,
    description = "Run a lab backend's HTTP server in the foreground (the lab starts these itself).")
final class LabBackendCommand implements Callable<Integer>
{
    /** Read by nobody: in the command line, it tells {@code lab down} this lab's server from a reused pid. */
    @Option(names = "--lab", paramLabel = "PREFIX",
        description = "The prefix of the lab this server belongs to (marks the process as the lab's).")
    String lab;

    @Option(names = "--name", required = true, description = "The name it answers with.")
    String name;

    @Option(names = "--port", defaultValue = "" + LabTopology.HTTP_PORT,
        description = "TCP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--delay", paramLabel = "MS", defaultValue = "0",
        description = "Wait this long before each answer (default: ${DEFAULT-VALUE}; GET /delay?ms=N changes it).")
    int delayMillis;

    @Option(names = "--xdp-decap", paramLabel = "INTERFACE",
        description = "Also decapsulate the balancer's packets with XDP on this interface.")
    String decapInterface;

    @Option(names = "--local", paramLabel = "ADDRESS", description = "An address of this backend (repeatable).")
    List<InetAddress> locals = new ArrayList<>();

    @Override
    public Integer call() throws Exception
    {
        LabBackendServer.serve(name, port, delayMillis, decapInterface, locals);
        return 0;
    }
}
