package io.fulcrum.controlplane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.fulcrum.controlplane.config.ConfigException;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.DataplaneModel;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.ServiceModel;
import io.fulcrum.controlplane.replay.DemoTraffic;
import io.fulcrum.controlplane.replay.ReplayReport;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.replay.PcapReplay;
import io.fulcrum.dataplane.stats.CountersFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fulcrum replay}: runs a capture through the real forwarding core and writes what Fulcrum would send. With
 * {@code --demo} it first generates a capture of mixed client traffic for the example configuration.
 */
@Command(
    name = "replay",
    description = "Run a capture through the forwarding core (the live data plane's code, on an in-memory port), "
        + "write the frames Fulcrum would send, and print packets per backend and drops by reason.")
public final class ReplayCommand implements Callable<Integer>
{
    static final Path EXAMPLE_CONFIG = Path.of("docs", "examples", "fulcrum.yaml");

    @Spec
    private CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    static final class Source
    {
        @Option(names = "--in", paramLabel = "IN.pcap", description = "Capture to replay (libpcap format, Ethernet).")
        Path in;

        @Option(names = "--demo", description = "Generate a capture of client traffic for the configuration "
            + "(default: the example configuration) and replay it.")
        boolean demo;
    }

    @Option(names = "--config", paramLabel = "FILE", description = "Fulcrum configuration (YAML). Default with --demo:"
        + " docs/examples/fulcrum.yaml.")
    private Path config;

    @Option(names = "--out", paramLabel = "OUT.pcap", description = "Where to write the transmitted frames.")
    private Path out;

    @Option(names = "--counters", paramLabel = "PATH",
        description = "Also leave the counters in this file for `fulcrum stat --file PATH`.")
    private Path counters;

    @Override
    public Integer call() throws ConfigException, IOException
    {
        final PrintWriter stdout = spec.commandLine().getOut();
        final Path configFile = config != null ? config : source.demo ? exampleConfig() : null;
        if (configFile == null)
        {
            spec.commandLine().getErr().println("fulcrum replay: --config FILE is required with --in");
            return ExitCodes.USAGE;
        }
        final FulcrumConfig loaded = ConfigLoader.load(configFile);
        final List<Service> services = ServiceModel.services(loaded);

        Path capture = source.in;
        if (source.demo)
        {
            capture = Files.createTempFile("fulcrum-demo-", ".pcap");
            final int frames = DemoTraffic.write(services, capture);
            stdout.println("Generated " + frames + " frames of client traffic for " + configFile + " in " + capture);
        }
        else if (!Files.isReadable(capture))
        {
            spec.commandLine().getErr().println("fulcrum replay: cannot read " + capture);
            return ExitCodes.INVALID_INPUT;
        }

        final CountersFile countersFile = counters != null
            ? CountersFile.create(counters, 4096) : CountersFile.inMemory(4096);
        final PcapReplay.Summary summary = PcapReplay.run(
            DataplaneModel.settings(loaded.dataplane()), services, capture, out, countersFile);
        ReplayReport.print(stdout, services, summary);
        if (out != null)
        {
            stdout.println("Transmitted frames written to " + out);
        }
        if (source.demo)
        {
            Files.deleteIfExists(capture);
        }
        stdout.flush();
        return ExitCodes.OK;
    }

    /** The example ships with the repository; the launcher runs from anywhere, so look under fulcrum.home too. */
    private static Path exampleConfig()
    {
        final String home = System.getProperty("fulcrum.home");
        return home != null ? Path.of(home).resolve(EXAMPLE_CONFIG) : EXAMPLE_CONFIG;
    }
}
