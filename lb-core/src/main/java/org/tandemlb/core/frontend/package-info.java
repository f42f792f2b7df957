/**
 * Frontends at run time (API): a {@link org.tandemlb.core.frontend.Frontend} owns its listening
 * sockets and connection counters and gives each accepted connection its pipeline (http or tcp);
 * {@link org.tandemlb.core.frontend.HttpRoutes} picks the backend of an HTTP request from the
 * frontend's routes and {@code default_backend}.
 */
package org.tandemlb.core.frontend;
