/**
 * What happened lately, for people watching a load balancer: {@link org.tandemlb.core.history.History}
 * keeps the last ten minutes of traffic (one sample per second of requests/s, 5xx/s and the median
 * and 99th percentile of response times, per frontend, backend and server) in bounded memory, and
 * {@link org.tandemlb.core.history.EventLog} the last thousand changes (health, admin state, weight,
 * reloads, cluster roles). The admin API and the status page read them.
 */
package org.tandemlb.core.history;
