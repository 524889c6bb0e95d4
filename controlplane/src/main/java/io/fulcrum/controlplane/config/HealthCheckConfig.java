package io.fulcrum.controlplane.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How one backend's health is checked: the pool's {@code health-check} with the backend's own
 * {@code backends[].health-check} fields laid over it, already resolved by the loader.
 *
 * @param port         the port checked: on the backend's own address, or on the VIP for an encapsulated check
 * @param timeout      a check not finished by then failed; shorter than {@code interval}
 * @param rise         consecutive successes that bring a DOWN backend back UP
 * @param fall         consecutive failures that take an UP (or not yet known) backend DOWN
 * @param path         http and https: the request target, starting with '/'
 * @param expectStatus http and https: the statuses that count as healthy
 * @param expectBody   http and https: a substring the response body must contain
 * @param host         http and https: the Host header (and TLS server name); the backend's address when empty
 * @param verify       https: whether the certificate chain and name are verified
 * @param send         udp: the request payload, one char per byte (ISO 8859-1); see {@link #sendBytes()}
 * @param expect       udp: a substring the reply must contain, one char per byte; any reply counts when empty
 * @param via          whether the check goes through the service's encapsulation to its VIP or straight to the
 *                     backend; see {@code health.HealthTarget} for what an encapsulated http check does
 */
public record HealthCheckConfig(HealthCheckType type, int port, Duration interval, Duration timeout, int rise, int fall,
    String path, List<StatusRange> expectStatus, Optional<String> expectBody, Optional<String> host, boolean verify,
    String send, Optional<String> expect, HealthCheckVia via)
{
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;
    public static final int MAX_RISE_OR_FALL = 100;
    public static final String DEFAULT_PATH = "/";
    public static final List<StatusRange> DEFAULT_EXPECT_STATUS = List.of(StatusRange.of(200));
    public static final int DEFAULT_HTTP_PORT = 80;
    public static final int DEFAULT_HTTPS_PORT = 443;
    /** Every service forwards by direct server return, so a check goes the clients' way unless told otherwise. */
    public static final HealthCheckVia DEFAULT_VIA = HealthCheckVia.ENCAPSULATED;

    public HealthCheckConfig
    {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(expectBody, "expectBody");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(send, "send");
        Objects.requireNonNull(expect, "expect");
        Objects.requireNonNull(via, "via");
        expectStatus = List.copyOf(expectStatus);
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("port must be 1 to 65535: " + port);
        }
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero() ||
            timeout.compareTo(interval) >= 0)
        {
            throw new IllegalArgumentException("need 0 < timeout < interval: " + timeout + ", " + interval);
        }
        if (rise < 1 || rise > MAX_RISE_OR_FALL || fall < 1 || fall > MAX_RISE_OR_FALL)
        {
            throw new IllegalArgumentException("rise and fall must be 1 to " + MAX_RISE_OR_FALL + ": " + rise + ", " + fall);
        }
        if (expectStatus.isEmpty())
        {
            throw new IllegalArgumentException("expectStatus must not be empty");
        }
        for (int i = 0; i < send.length(); i++)
        {
            if (send.charAt(i) > 0xFF)
            {
                throw new IllegalArgumentException("send holds one byte per char: " + send);
            }
        }
    }

    /** A TCP connect check with every default. */
    public static HealthCheckConfig tcp(final int port)
    {
        return new HealthCheckConfig(HealthCheckType.TCP, port, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_RISE,
            DEFAULT_FALL, DEFAULT_PATH, DEFAULT_EXPECT_STATUS, Optional.empty(), Optional.empty(), false, "",
            Optional.empty(), DEFAULT_VIA);
    }

    /** The same check sent the other way. */
    public HealthCheckConfig via(final HealthCheckVia way)
    {
        return new HealthCheckConfig(type, port, interval, timeout, rise, fall, path, expectStatus, expectBody, host,
            verify, send, expect, way);
    }

    public boolean expectsStatus(final int status)
    {
        for (final StatusRange range : expectStatus)
        {
            if (range.contains(status))
            {
                return true;
            }
        }
        return false;
    }

    /** The udp request as sent on the wire. */
    public byte[] sendBytes()
    {
        return send.getBytes(StandardCharsets.ISO_8859_1);
    }
}
