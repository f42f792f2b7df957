/**
 * Access logs: {@link org.tandemlb.admin.accesslog.AccessLog} writes one line per HTTP request
 * and per TCP session of each frontend to its {@code access_log} target, as text or JSON, from a
 * writer thread fed by a bounded queue, so that the event loops never wait for a disk. The user
 * reference (both line layouts, every field, logrotate) is {@code docs/access-log.md}.
 */
package org.tandemlb.admin.accesslog;
