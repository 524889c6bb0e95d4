/**
 * Who gets the next connection or request of a service: one {@link io.fulcrum.dataplane.balance.scheduler.Scheduler}
 * per published set of backends, built by {@link io.fulcrum.dataplane.balance.scheduler.SchedulerKind#build} over
 * the {@link io.fulcrum.dataplane.balance.scheduler.Candidate candidates} that take new work (active, weight above 0;
 * drained and down backends are never chosen). Every scheduler is thread-safe and allocates nothing per pick; each
 * backend's {@link io.fulcrum.dataplane.balance.scheduler.BackendLoad} outlives the scheduler, so a rebuild keeps the
 * counts and latencies.
 *
 * <p>Which to use ({@code services[].scheduler}):
 * <ul>
 *   <li>{@code maglev} ({@link io.fulcrum.dataplane.balance.scheduler.MaglevScheduler}): DSR services, the default;
 *       each connection hashed on its 5-tuple, both balancers of a pair agree without talking.</li>
 *   <li>{@code ip-hash} ({@link io.fulcrum.dataplane.balance.scheduler.IpHashScheduler}): a client must keep reaching
 *       the same backend (sessions held in the backend); adding a backend moves only about 1/N of the clients.</li>
 *   <li>{@code round-robin} ({@link io.fulcrum.dataplane.balance.scheduler.SmoothWeightedRoundRobin}): backends alike
 *       and requests alike; exact shares by weight, nginx's default.</li>
 *   <li>{@code least-connections} ({@link io.fulcrum.dataplane.balance.scheduler.LeastConnections}): connections of
 *       very different lengths (databases, WebSockets, long downloads); HAProxy's {@code leastconn}.</li>
 *   <li>{@code least-response-time} ({@link io.fulcrum.dataplane.balance.scheduler.LeastResponseTime}): backends that
 *       differ or slow down (shared hosts, garbage collection, cold caches); proxy modes only, as it needs to see
 *       responses.</li>
 *   <li>{@code random-two-choices} ({@link io.fulcrum.dataplane.balance.scheduler.RandomTwoChoices}): many backends or
 *       many balancers picking at once; nearly as even as least-connections without a scan or a lock.</li>
 * </ul>
 */
package io.fulcrum.dataplane.balance.scheduler;
