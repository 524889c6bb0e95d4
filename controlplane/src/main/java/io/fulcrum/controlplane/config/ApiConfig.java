package io.fulcrum.controlplane.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The management API's listener ({@code api:}): where it listens, the bearer tokens it accepts (inline, or one per
 * line in a file kept out of the configuration), and an optional TLS certificate and key (PEM).
 */
public record ApiConfig(InetSocketAddress listen, List<String> tokens, Optional<Path> tokenFile,
    Optional<Path> tlsCertificate, Optional<Path> tlsKey)
{
    public static final int DEFAULT_PORT = 9090;

    public ApiConfig
    {
        Objects.requireNonNull(listen, "listen");
        tokens = List.copyOf(tokens);
        Objects.requireNonNull(tokenFile, "tokenFile");
        Objects.requireNonNull(tlsCertificate, "tlsCertificate");
        Objects.requireNonNull(tlsKey, "tlsKey");
    }
}
