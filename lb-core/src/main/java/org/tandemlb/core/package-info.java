/**
 * Tandem's engine as a library: {@link org.tandemlb.core.LoadBalancer} runs one
 * {@link org.tandemlb.core.config.LoadBalancerConfig} (build it with the builders of
 * {@link org.tandemlb.core.config}), applies new ones in place, and stops.
 *
 * <p>The API an embedder uses is this package and {@link org.tandemlb.core.config},
 * {@link org.tandemlb.core.frontend}, {@link org.tandemlb.core.backend},
 * {@link org.tandemlb.core.accesslog}, {@link org.tandemlb.core.history}, {@link org.tandemlb.core.tls} and
 * {@link org.tandemlb.core.transport}. The other packages ({@code http}, {@code tcp},
 * {@code proxy}, {@code proxyprotocol}, {@code health}, {@code backend.balance}, {@code metrics}) are the engine's inside: their types are public only because Java has no
 * visibility between packages of one library; they may change in any release, and no type of
 * theirs appears in a public signature of the API ({@code ApiBoundaryTest} checks it).
 * docs/architecture.md maps the packages.
 */
package org.tandemlb.core;
