package io.fulcrum.controlplane.health;

/**
 * What the checks say about a backend.
 *
 * <p>A target starts {@link #UNKNOWN}. The first success makes it {@link #UP} at once (an appliance that starts, or a
 * backend that is added, should take traffic as soon as one check passes, not after {@code rise} intervals), while
 * {@code fall} consecutive failures make it {@link #DOWN}. From then on {@code fall} consecutive failures take an UP
 * target DOWN and {@code rise} consecutive successes bring a DOWN target back UP, as in keepalived and HAProxy. Until
 * its first transition a target stays UNKNOWN: the daemon should send it no new flows.
 */
public enum HealthState
{
    UNKNOWN,
    UP,
    DOWN
}
