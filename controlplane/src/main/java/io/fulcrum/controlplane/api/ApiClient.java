package io.fulcrum.controlplane.api;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client of the management API for {@code fulcrum ctl} (and tests): sends the bearer token with every request
 * and hands back the status and body; an unreachable daemon is an {@link IOException}. {@link #token} finds the
 * token the way {@code fulcrum ctl} documents it.
 */
public final class ApiClient
{
    /** The environment variable that holds a token when none is given. */
    public static final String TOKEN_VARIABLE = "FULCRUM_TOKEN";
    /** Where the appliance keeps its tokens, one a line; the first is used when nothing else names one. */
    public static final Path DEFAULT_TOKEN_FILE = Path.of("/etc/fulcrum/token");

    /** The status and body of one answer. */
    public record Response(int status, String body)
    {
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base    the daemon's URL, e.g. {@code http://127.0.0.1:9090}
     * @param timeout how long one request may take (a reload validates and applies a whole file)
     */
    public ApiClient(final URI base, final String token, final Duration timeout)
    {
        this(base, token, timeout, null);
    }

    /**
     * @param tls the trust for an https URL (see {@link #trusting}); null for the JDK's default trust store
     */
    public ApiClient(final URI base, final String token, final Duration timeout, final SSLContext tls)
    {
        this.base = base;
        this.token = token;
        this.timeout = timeout;
        final HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1);
        if (tls != null)
        {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    /** TLS that trusts the certificates in a PEM file (the appliance's own, often self-signed, or its CA). */
    public static SSLContext trusting(final Path pem) throws IOException
    {
        try (InputStream in = Files.newInputStream(pem))
        {
            final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (final Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in))
            {
                store.setCertificateEntry("fulcrum-" + i++, certificate);
            }
            if (i == 0)
            {
                throw new IOException(pem + " holds no certificate");
            }
            final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
        catch (final GeneralSecurityException e)
        {
            throw new IOException(pem + ": " + e.getMessage(), e);
        }
    }

    /**
     * The bearer token to send: {@code given} when not null, else the first token in {@code tokenFile} when not
     * null, else {@code $FULCRUM_TOKEN} from {@code environment}, else the first token in {@code defaultTokenFile}.
     *
     * @throws MissingTokenException when there is none, or the file to read it from cannot be read or holds none
     */
    public static String token(final String given, final Path tokenFile, final Map<String, String> environment,
        final Path defaultTokenFile) throws MissingTokenException
    {
        if (given != null)
        {
            return given;
        }
        if (tokenFile != null)
        {
            return firstToken(tokenFile);
        }
        final String fromEnvironment = environment.get(TOKEN_VARIABLE);
        if (fromEnvironment != null && !fromEnvironment.isBlank())
        {
            return fromEnvironment.strip();
        }
        if (Files.exists(defaultTokenFile))
        {
            return firstToken(defaultTokenFile);
        }
        throw new MissingTokenException("no token: give --token or --token-file, set " + TOKEN_VARIABLE
            + ", or write it to " + defaultTokenFile);
    }

    private static String firstToken(final Path file) throws MissingTokenException
    {
        try
        {
            final List<String> tokens = ApiSettings.readTokenFile(file);
            if (tokens.isEmpty())
            {
                throw new MissingTokenException("the token file " + file + " holds no token");
            }
            return tokens.get(0);
        }
        catch (final NoSuchFileException e)
        {
            throw new MissingTokenException("cannot read the token file " + file + ": it does not exist");
        }
        catch (final IOException e)
        {
            throw new MissingTokenException("cannot read the token file " + file + ": " + describe(e));
        }
    }

    /** An I/O failure as a message shows it: its kind, and its own message when it has one. */
    public static String describe(final IOException e)
    {
        final String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : " (" + message + ")");
    }

    public Response get(final String path) throws IOException
    {
        return send(request(path).GET());
    }

    public Response post(final String path, final String body, final String contentType) throws IOException
    {
        return send(request(path).header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    public Response put(final String path, final String body, final String contentType) throws IOException
    {
        return send(request(path).header("Content-Type", contentType)
            .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    private HttpRequest.Builder request(final String path)
    {
        final String root = base.toString().endsWith("/") ? base.toString().substring(0, base.toString().length() - 1)
            : base.toString();
        return HttpRequest.newBuilder(URI.create(root + path)).timeout(timeout)
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json");
    }

    private Response send(final HttpRequest.Builder request) throws IOException
    {
        try
        {
            final HttpResponse<String> response =
                http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(response.statusCode(), response.body());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
