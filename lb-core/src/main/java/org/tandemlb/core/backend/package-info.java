/**
 * Backends and their servers at run time (API): a {@link org.tandemlb.core.backend.Backend} picks a
 * server for each request or connection with its balancing algorithm, honouring health, admin
 * states ({@link org.tandemlb.core.backend.AdminState}), weights, slow start, {@code
 * max_connections} and the backend's queue; a {@link org.tandemlb.core.backend.Server} holds one
 * server's state and counters, and an embedder sets its admin state and weight there.
 */
package org.tandemlb.core.backend;
