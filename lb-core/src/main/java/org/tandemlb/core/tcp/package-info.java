/**
 * The tcp mode (internal): one server connection per client connection, bytes relayed both ways
 * with half-closes passed on, as HAProxy's {@code mode tcp}.
 */
package org.tandemlb.core.tcp;
