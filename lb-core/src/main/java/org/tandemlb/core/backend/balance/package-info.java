/**
 * The balancing algorithms (internal): {@code roundrobin} (smooth weighted round-robin),
 * {@code leastconn}, {@code random} (power of two choices), {@code source} and {@code hash}
 * (weighted rendezvous hashing), each a small {@link org.tandemlb.core.backend.balance.Balancer} over
 * {@link org.tandemlb.core.backend.balance.Candidate}s. A new algorithm is a class here, a
 * constant in {@link org.tandemlb.core.config.Balance} and a case in {@code Balancer.of}.
 * {@link org.tandemlb.core.backend.balance.LeastConnQueue} keeps a pool in {@code leastconn}
 * order as loads change, for backends too large to scan on every pick; the other algorithms
 * pick over a {@link org.tandemlb.core.backend.balance.Lineup}, the usable servers as of their
 * last change, which the backend keeps rather than listing them for every pick.
 */
package org.tandemlb.core.backend.balance;
