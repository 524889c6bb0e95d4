package io.fulcrum.controlplane.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the management server needs from the {@code api:} section of the configuration.
 *
 * @param listen         address and port to listen on (port 0: an ephemeral port, for tests)
 * @param tokens         the bearer tokens that are accepted; at least one, none blank
 * @param tlsCertificate PEM certificate chain, or null for plain HTTP
 * @param tlsKey         PEM private key (PKCS#8) of the certificate, or null for plain HTTP
 */
public record ApiSettings(InetSocketAddress listen, List<String> tokens, Path tlsCertificate, Path tlsKey)
{
    public ApiSettings
    {
        tokens = List.copyOf(tokens);
        if (tokens.isEmpty())
        {
            throw new IllegalArgumentException("the management API needs at least one token");
        }
        for (final String token : tokens)
        {
            if (token.isBlank() || !token.strip().equals(token))
            {
                throw new IllegalArgumentException("a token must not be blank or start or end with whitespace");
            }
        }
        if ((tlsCertificate == null) != (tlsKey == null))
        {
            throw new IllegalArgumentException("TLS needs both a certificate and a key");
        }
    }

    /** Plain HTTP with these tokens. */
    public static ApiSettings plain(final InetSocketAddress listen, final List<String> tokens)
    {
        return new ApiSettings(listen, tokens, null, null);
    }

    public boolean tls()
    {
        return tlsCertificate != null;
    }

    /** Reads a token file: one token per line; blank lines and lines starting with {@code #} are ignored. */
    public static List<String> readTokenFile(final Path file) throws IOException
    {
        final List<String> tokens = new ArrayList<>();
        for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
        {
            final String token = line.strip();
            if (!token.isEmpty() && !token.startsWith("#"))
            {
                tokens.add(token);
            }
        }
        return tokens;
    }
}
