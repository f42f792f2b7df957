/**
 * The YAML config file: {@link org.tandemlb.admin.config.ConfigLoader} reads it into a
 * {@link org.tandemlb.admin.config.TandemConfig} (lb-core's records plus the daemon's settings) or
 * fails with every {@link org.tandemlb.admin.config.ConfigProblem} at once, each as
 * {@code FILE:LINE:COL: path.to.key: message}. The user reference is {@code docs/configuration.md}.
 */
package org.tandemlb.admin.config;
