/**
 * The parts of {@link org.tandemlb.core.Warmup} that stay inside the process: the stub server
 * every server of the private copy is replaced by, and the client's trust in exactly the
 * certificates the frontends serve.
 */
package org.tandemlb.core.warmup;
