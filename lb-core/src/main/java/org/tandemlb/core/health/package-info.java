/**
 * Health checking: active checks ({@code tcp}, {@code http}, {@code mysql}), passive checks on
 * live traffic, and how they move a server between up and down.
 *
 * <ul>
 * <li>{@link org.tandemlb.core.health.HealthChecks} keeps one checker per checked server in
 * line with the running backends (start-up and reload).</li>
 * <li>{@code ServerChecker} runs one server's checks on its {@link
 * org.tandemlb.core.health.CheckScheduler} (one event loop in production, virtual time in tests),
 * with jitter, the check timeout, and the server's passive-check and admin-state events.</li>
 * <li>{@code HealthState} is the pure rise/fall state machine: counts, decisions, next interval.</li>
 * <li>{@link org.tandemlb.core.health.Check} is one probe; {@link
 * org.tandemlb.core.health.NettyChecks} makes the real ones ({@code TcpCheck}, {@code HttpCheck},
 * {@code MysqlCheck}).</li>
 * </ul>
 *
 * <p>The user's view of all this is {@code docs/health-checks.md}.
 */
package org.tandemlb.core.health;
