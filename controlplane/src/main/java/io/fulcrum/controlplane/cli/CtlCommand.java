package io.fulcrum.controlplane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fulcrum.controlplane.api.ApiClient;
import io.fulcrum.controlplane.api.ApiSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code fulcrum ctl}: talks to a running daemon's management API. Human tables by default, the API's JSON with
 * {@code --json}. Exit codes: 0 ok, 1 refused (unknown backend, bad value, a configuration with problems), 2 usage,
 * 4 the daemon cannot be reached, 5 the token was refused.
 */
@Command(name = "ctl",
    description = "Talk to a running daemon: status, backends, drain/enable/disable, weight, reload, validate.",
    subcommands = {
        CtlCommand.Status.class,
        CtlCommand.Backends.class,
        CtlCommand.Drain.class,
        CtlCommand.Enable.class,
        CtlCommand.Disable.class,
        CtlCommand.Weight.class,
        CtlCommand.Reload.class,
        CtlCommand.Validate.class})
public final class CtlCommand implements Runnable
{
    static final String DEFAULT_URL = "http://127.0.0.1:9090";
    static final String TOKEN_VARIABLE = "FULCRUM_TOKEN";
    static final Path DEFAULT_TOKEN_FILE = Path.of("/etc/fulcrum/token");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    @Spec
    private CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", scope = ScopeType.INHERIT,
        description = "The daemon's management API (default: " + DEFAULT_URL + ").")
    private String url = DEFAULT_URL;

    @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
        description = "Bearer token (default: $" + TOKEN_VARIABLE + ", else the first token in /etc/fulcrum/token).")
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
    private final ObjectMapper mapper = new ObjectMapper();

    public CtlCommand()
    {
        this(System.getenv(), DEFAULT_TOKEN_FILE);
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

    /** Thrown by a subcommand to end with an exit code and a message on stderr. */
    private static final class Failure extends Exception
    {
        final int exitCode;

        Failure(final int exitCode, final String message)
        {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /** What every subcommand does: find the token, send one request, judge the answer, print it. */
    private abstract static class Action implements Callable<Integer>
    {
        @ParentCommand
        CtlCommand ctl;

        @Spec
        CommandSpec spec;

        @Override
        public final Integer call()
        {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            try
            {
                final ApiClient client = ctl.client(spec);
                final ApiClient.Response response = send(client);
                ctl.judge(response);
                if (ctl.json)
                {
                    out.println(response.body().strip());
                    out.flush();
                    return jsonExitCode(response);
                }
                return print(client, ctl.mapper.readTree(response.body()), out, err);
            }
            catch (final Failure failure)
            {
                err.println("fulcrum ctl " + spec.name() + ": " + failure.getMessage());
                return failure.exitCode;
            }
            catch (final IOException e)
            {
                err.println("fulcrum ctl " + spec.name() + ": cannot reach the daemon at " + ctl.url + ": "
                    + describe(e));
                return ExitCodes.CANNOT_REACH_DAEMON;
            }
            finally
            {
                out.flush();
                err.flush();
            }
        }

        abstract ApiClient.Response send(ApiClient client) throws IOException, Failure;

        /** Prints the answer for a person; returns the exit code. */
        abstract int print(ApiClient client, JsonNode body, PrintWriter out, PrintWriter err)
            throws IOException, Failure;

        int jsonExitCode(final ApiClient.Response response)
        {
            return ExitCodes.OK;
        }
    }

    private static String describe(final IOException e)
    {
        final String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : " (" + message + ")");
    }

    ApiClient client(final CommandSpec subcommand) throws Failure
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
        final String bearer = token();
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
            throw new Failure(ExitCodes.USAGE, "--cacert " + caCertificate + ": " + describe(e));
        }
    }

    private String token() throws Failure
    {
        if (token != null)
        {
            return token;
        }
        if (tokenFile != null)
        {
            return readToken(tokenFile);
        }
        final String fromEnvironment = environment.get(TOKEN_VARIABLE);
        if (fromEnvironment != null && !fromEnvironment.isBlank())
        {
            return fromEnvironment.strip();
        }
        if (Files.exists(defaultTokenFile))
        {
            return readToken(defaultTokenFile);
        }
        throw new Failure(ExitCodes.USAGE, "no token: give --token or --token-file, set " + TOKEN_VARIABLE
            + ", or write it to " + defaultTokenFile);
    }

    private static String readToken(final Path file) throws Failure
    {
        try
        {
            final List<String> tokens = ApiSettings.readTokenFile(file);
            if (tokens.isEmpty())
            {
                throw new Failure(ExitCodes.USAGE, "the token file " + file + " holds no token");
            }
            return tokens.get(0);
        }
        catch (final NoSuchFileException e)
        {
            throw new Failure(ExitCodes.USAGE, "cannot read the token file " + file + ": it does not exist");
        }
        catch (final IOException e)
        {
            throw new Failure(ExitCodes.USAGE, "cannot read the token file " + file + ": " + describe(e));
        }
    }

    /** Turns an error status into a Failure with the API's own message. */
    void judge(final ApiClient.Response response) throws Failure
    {
        if (response.status() >= 200 && response.status() < 300)
        {
            return;
        }
        final String message = errorMessage(response);
        if (response.status() == 401)
        {
            throw new Failure(ExitCodes.UNAUTHORIZED, "unauthorized: the daemon refused the token (" + message + ")");
        }
        throw new Failure(ExitCodes.INVALID_INPUT, message + " (HTTP " + response.status() + ")");
    }

    private String errorMessage(final ApiClient.Response response)
    {
        try
        {
            final JsonNode node = mapper.readTree(response.body());
            if (node != null && node.hasNonNull("message"))
            {
                return node.get("message").asText();
            }
        }
        catch (final IOException e)
        {
            // Not the API's JSON (a proxy's page, say): show the start of whatever came back.
        }
        final String body = response.body().strip();
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }

    static String segment(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Command(name = "status", description = "The appliance, its VRRP state and its services.")
    static final class Status extends Action
    {
        @Override
        ApiClient.Response send(final ApiClient client) throws IOException
        {
            return client.get("/api/v1/status");
        }

        @Override
        int print(final ApiClient client, final JsonNode status, final PrintWriter out, final PrintWriter err)
            throws IOException, Failure
        {
            out.printf("fulcrum %s, up %s, %s, %d worker%s, configuration %s%n", status.path("version").asText(),
                uptime(status.path("uptimeSeconds").asLong()), status.path("packetIo").asText(),
                status.path("workers").asInt(), status.path("workers").asInt() == 1 ? "" : "s",
                status.path("configFile").asText());
            final TextTable vrrp = new TextTable("VRRP INSTANCE", "VRID", "STATE", "PRIORITY");
            for (final JsonNode instance : status.path("vrrp"))
            {
                vrrp.row(instance.path("instance").asText(), instance.path("vrid").asText(),
                    instance.path("state").asText(), instance.path("priority").asText());
            }
            out.println();
            if (vrrp.isEmpty())
            {
                out.println("VRRP: not configured");
            }
            else
            {
                vrrp.print(out);
            }
            final ApiClient.Response response = client.get("/api/v1/services");
            ctl.judge(response);
            final TextTable services = new TextTable("SERVICE", "ENDPOINT", "FORWARDING", "POOL", "BACKENDS ACTIVE",
                "PACKETS", "BYTES", "NEW FLOWS");
            for (final JsonNode service : ctl.mapper.readTree(response.body()))
            {
                int active = 0;
                for (final JsonNode backend : service.path("backends"))
                {
                    active += backend.path("effective").asText().equals("active") ? 1 : 0;
                }
                services.row(service.path("name").asText(),
                    endpoint(service.path("vip").asText(), service.path("port").asInt(),
                        service.path("protocol").asText()),
                    service.path("forwarding").asText(), service.path("pool").asText(),
                    active + " of " + service.path("backends").size(), service.path("packets").asText(),
                    service.path("bytes").asText(), service.path("newFlows").asText());
            }
            out.println();
            services.print(out);
            return ExitCodes.OK;
        }

        private static String endpoint(final String vip, final int port, final String protocol)
        {
            return (vip.indexOf(':') >= 0 ? "[" + vip + "]" : vip) + ":" + port + "/" + protocol;
        }

        private static String uptime(final long seconds)
        {
            final long days = seconds / 86_400;
            final long hours = seconds % 86_400 / 3_600;
            final long minutes = seconds % 3_600 / 60;
            return (days > 0 ? days + "d " : "") + (days > 0 || hours > 0 ? hours + "h " : "") + minutes + "m "
                + seconds % 60 + "s";
        }
    }

    @Command(name = "backends", description = "Every backend: weight, health, admin and effective state, counters.")
    static final class Backends extends Action
    {
        @Override
        ApiClient.Response send(final ApiClient client) throws IOException
        {
            return client.get("/api/v1/backends");
        }

        @Override
        int print(final ApiClient client, final JsonNode backends, final PrintWriter out, final PrintWriter err)
        {
            final TextTable table = new TextTable("POOL", "BACKEND", "WEIGHT", "HEALTH", "ADMIN", "EFFECTIVE",
                "PACKETS", "NEW FLOWS", "LAST CHECK");
            for (final JsonNode backend : backends)
            {
                table.row(backend.path("pool").asText(), backend.path("address").asText(),
                    backend.path("weight").asText(), backend.path("health").asText(), backend.path("admin").asText(),
                    backend.path("effective").asText(), backend.path("packets").asText(),
                    backend.path("newFlows").asText(), lastCheck(backend.path("history")));
            }
            table.print(out);
            return ExitCodes.OK;
        }

        private static String lastCheck(final JsonNode history)
        {
            if (history.isEmpty())
            {
                return "-";
            }
            final JsonNode last = history.get(history.size() - 1);
            final String detail = last.path("detail").asText("");
            return (last.path("ok").asBoolean() ? "ok" : "failed") + " " + last.path("millis").asLong() + " ms"
                + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    /** enable, drain, disable: one POST, then the backend as it is now. */
    private abstract static class AdminAction extends Action
    {
        @Parameters(index = "0", paramLabel = "POOL", description = "The backend's pool.")
        String pool;

        @Parameters(index = "1", paramLabel = "ADDRESS", description = "The backend's address, as configured.")
        String address;

        abstract String verb();

        @Override
        ApiClient.Response send(final ApiClient client) throws IOException
        {
            return client.post("/api/v1/backends/" + segment(pool) + "/" + segment(address) + "/" + verb(), "",
                "application/json");
        }

        @Override
        int print(final ApiClient client, final JsonNode backend, final PrintWriter out, final PrintWriter err)
        {
            out.printf("%s %s: admin %s, weight %s, health %s, effective %s%n", backend.path("pool").asText(),
                backend.path("address").asText(), backend.path("admin").asText(), backend.path("weight").asText(),
                backend.path("health").asText(), backend.path("effective").asText());
            return ExitCodes.OK;
        }
    }

    @Command(name = "drain", description = "No new flows to a backend; its established flows stay until they end.")
    static final class Drain extends AdminAction
    {
        @Override
        String verb()
        {
            return "drain";
        }
    }

    @Command(name = "enable", description = "Let a backend take traffic again while healthy.")
    static final class Enable extends AdminAction
    {
        @Override
        String verb()
        {
            return "enable";
        }
    }

    @Command(name = "disable", description = "No traffic at all to a backend; its flows move to other backends.")
    static final class Disable extends AdminAction
    {
        @Override
        String verb()
        {
            return "disable";
        }
    }

    @Command(name = "weight", description = "Set a backend's weight (0 to 65535) until the next reload.")
    static final class Weight extends AdminAction
    {
        @Parameters(index = "2", paramLabel = "N", description = "The new weight.")
        int weight;

        @Override
        String verb()
        {
            return "weight";
        }

        @Override
        ApiClient.Response send(final ApiClient client) throws IOException
        {
            return client.put("/api/v1/backends/" + segment(pool) + "/" + segment(address) + "/weight",
                "{\"weight\": " + weight + "}", "application/json");
        }
    }

    /** reload and validate: the answer is a ReloadResult; problems go to stderr and exit 1. */
    private abstract static class ConfigAction extends Action
    {
        @Override
        int print(final ApiClient client, final JsonNode result, final PrintWriter out, final PrintWriter err)
        {
            if (result.path("ok").asBoolean())
            {
                out.println(result.path("summary").asText());
                return ExitCodes.OK;
            }
            for (final JsonNode problem : result.path("problems"))
            {
                err.println(problem.asText());
            }
            err.println(result.path("summary").asText());
            return ExitCodes.INVALID_INPUT;
        }

        @Override
        int jsonExitCode(final ApiClient.Response response)
        {
            try
            {
                return ctl.mapper.readTree(response.body()).path("ok").asBoolean()
                    ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
            }
            catch (final IOException e)
            {
                return ExitCodes.INVALID_INPUT;
            }
        }
    }

    @Command(name = "reload", description = "Reload the daemon's configuration file (a bad file changes nothing).")
    static final class Reload extends ConfigAction
    {
        @Override
        ApiClient.Response send(final ApiClient client) throws IOException
        {
            return client.post("/api/v1/config/reload", "", "application/json");
        }
    }

    @Command(name = "validate", description = "Have the daemon validate a configuration file without applying it.")
    static final class Validate extends ConfigAction
    {
        @Parameters(index = "0", paramLabel = "FILE", description = "The configuration file to check.")
        Path file;

        @Override
        ApiClient.Response send(final ApiClient client) throws IOException, Failure
        {
            final String yaml;
            try
            {
                yaml = Files.readString(file, StandardCharsets.UTF_8);
            }
            catch (final NoSuchFileException e)
            {
                throw new Failure(ExitCodes.INVALID_INPUT, file + ": cannot read the file: it does not exist");
            }
            catch (final IOException e)
            {
                throw new Failure(ExitCodes.INVALID_INPUT, file + ": cannot read the file: " + describe(e));
            }
            return client.post("/api/v1/config/validate", yaml, "application/yaml");
        }
    }

    /** Left-aligned columns, two spaces apart, header first. */
    static final class TextTable
    {
        private final List<String[]> rows = new ArrayList<>();

        TextTable(final String... header)
        {
            rows.add(header);
        }

        void row(final String... cells)
        {
            rows.add(cells);
        }

        boolean isEmpty()
        {
            return rows.size() == 1;
        }

        void print(final PrintWriter out)
        {
            final int[] widths = new int[rows.get(0).length];
            for (final String[] row : rows)
            {
                for (int i = 0; i < row.length; i++)
                {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            for (final String[] row : rows)
            {
                final StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++)
                {
                    line.append(row[i]);
                    if (i < row.length - 1)
                    {
                        line.append(" ".repeat(widths[i] - row[i].length() + 2));
                    }
                }
                out.println(line.toString().stripTrailing());
            }
        }
    }
}
