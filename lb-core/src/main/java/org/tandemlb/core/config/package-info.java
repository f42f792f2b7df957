/**
 * The immutable configuration model of Tandem's engine: records validated in their compact
 * constructors, and builders for embedders. A config file is only one way to produce it.
 */
package org.tandemlb.core.config;
