/**
 * Publishing to the embedder's Micrometer registry (internal): the metric names and labels of
 * docs/admin-api.md, read from the live objects at scrape time and counted from each finished
 * request's access-log entry.
 */
package org.tandemlb.core.metrics;
