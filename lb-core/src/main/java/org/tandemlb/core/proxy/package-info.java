/**
 * What the HTTP and TCP paths share (internal): connecting to a server with retries
 * ({@code ConnectAttempt}), the keep-alive pool per server and event loop
 * ({@code HttpConnectionPool}), byte relays with back-pressure ({@code Relay}, {@code Tunnel}),
 * closes that wait for queued writes ({@code Closing}), flushes deferred to the end of the event
 * loop's batch ({@code DeferredFlush}), inactivity timeouts, and the drain event.
 */
package org.tandemlb.core.proxy;
