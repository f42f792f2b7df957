/**
 * What the proxy reports about each request and session: the entries of access logs and the
 * input of per-request metrics.
 */
package org.tandemlb.core.accesslog;
