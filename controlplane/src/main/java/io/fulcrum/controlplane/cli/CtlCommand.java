package io.fulcrum.controlplane.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.api.MissingTokenException;
import io.fulcrum.controlplane.cli.ctl.BackendsCommand;
import io.fulcrum.controlplane.cli.ctl.CtlFailure;
import io.fulcrum.controlplane.cli.ctl.DisableCommand;
import io.fulcrum.controlplane.cli.ctl.DrainCommand;
import io.fulcrum.controlplane.cli.ctl.EnableCommand;
import io.fulcrum.controlplane.cli.ctl.ReloadCommand;
import io.fulcrum.controlplane.cli.ctl.StatusCommand;
import io.fulcrum.controlplane.cli.ctl.ValidateCommand;
import io.fulcrum.controlplane.cli.ctl.WeightCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code fulcrum ctl}: talks to a running daemon's management API. Human tables by default, the API's JSON with
 * {@code --json}. Exit codes: 0 ok, 1 refused (unknown backend, bad value, a configuration with problems), 2 usage,
 * 4 the daemon cannot be reached, 5 the token was refused. The options are shared by every sub-command (package
 * {@code cli.ctl}, one class each), which asks here for its {@link ApiClient}.
 */
@Command(name = "ctl",
    description = "Talk to a running daemon: status, backends, drain/enable/disable, weight, reload, validate.",
    subcommands = {
        StatusCommand.class,
        BackendsCommand.class,
        DrainCommand.class,
        EnableCommand.class,
        DisableCommand.class,
        WeightCommand.class,
        ReloadCommand.class,
        ValidateCommand.class})
public final class CtlCommand implements Runnable
{
    static final String DEFAULT_URL = "http://127.0.0.1:9090";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    @Spec
    private CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", scope = ScopeType.INHERIT,
        description = "The daemon's management API (default: " + DEFAULT_URL + ").")
    private String url = DEFAULT_URL;

    @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
        description = "Bearer token (default: $" + ApiClient.TOKEN_VARIABLE
            + ", else the first token in /etc/fulcrum/token).")
    private String token;

    @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
        description = "Read the bearer token from FILE.")
    private Path tokenFile;

    @Option(names = "--cacert", paramLabel = "PEM", scope = ScopeType.INHERIT,
        description = "For an https URL: trust the certificate(s) in PEM (the appliance's own or its CA).")
    private Path caCertificate;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the API's JSON instead of a table.")
    private boolean json;

    private final Map<String, String> environment;
    private final Path defaultTokenFile;

    public CtlCommand()
    {
        this(System.getenv(), ApiClient.DEFAULT_TOKEN_FILE);
    }

    /** For tests: the environment and default token file to use instead of the process's. */
    CtlCommand(final Map<String, String> environment, final Path defaultTokenFile)
    {
        this.environment = environment;
        this.defaultTokenFile = defaultTokenFile;
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " +
            String.join(", ", spec.subcommands().keySet()));
    }

    /** The daemon's URL as given. */
    public String url()
    {
        return url;
    }

    /** Whether to print the API's JSON rather than a table. */
    public boolean json()
    {
        return json;
    }

    /** A client of the daemon at {@code --url} with the token found; a bad option ends {@code subcommand}. */
    public ApiClient client(final CommandSpec subcommand) throws CtlFailure
    {
        if (token != null && tokenFile != null)
        {
            throw new CommandLine.ParameterException(subcommand.commandLine(),
                "--token and --token-file are mutually exclusive (give one)");
        }
        final URI base;
        try
        {
            base = URI.create(url);
            if (base.getScheme() == null || base.getHost() == null
                || !(base.getScheme().equals("http") || base.getScheme().equals("https")))
            {
                throw new IllegalArgumentException("not an http or https URL");
            }
        }
        catch (final IllegalArgumentException e)
        {
            throw new CommandLine.ParameterException(subcommand.commandLine(), "--url " + url + ": " + e.getMessage());
        }
        final String bearer;
        try
        {
            bearer = ApiClient.token(token, tokenFile, environment, defaultTokenFile);
        }
        catch (final MissingTokenException e)
        {
            throw new CtlFailure(ExitCodes.USAGE, e.getMessage());
        }
        if (caCertificate == null)
        {
            return new ApiClient(base, bearer, REQUEST_TIMEOUT);
        }
        try
        {
            return new ApiClient(base, bearer, REQUEST_TIMEOUT, ApiClient.trusting(caCertificate));
        }
        catch (final IOException e)
        {
            throw new CtlFailure(ExitCodes.USAGE, "--cacert " + caCertificate + ": " + ApiClient.describe(e));
        }
    }
}
