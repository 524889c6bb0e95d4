package io.fulcrum.controlplane.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Checks an {@code Authorization} header against the configured tokens (RFC 6750 section 2.1). Every token is compared,
 * each with {@link MessageDigest#isEqual} (constant time for equal lengths), so the time taken does not tell an
 * attacker how much of a guess was right nor which token it was close to.
 */
final class BearerTokens
{
    private static final String SCHEME = "bearer ";

    private final List<byte[]> tokens;

    BearerTokens(final List<String> tokens)
    {
        this.tokens = tokens.stream().map(token -> token.getBytes(StandardCharsets.UTF_8)).toList();
    }

    boolean accepts(final String authorization)
    {
        if (authorization == null || authorization.length() <= SCHEME.length()
            || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
        {
            return false;
        }
        final byte[] presented = authorization.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8);
        boolean accepted = false;
        for (final byte[] token : tokens)
        {
            accepted |= MessageDigest.isEqual(token, presented);
        }
        return accepted;
    }
}
