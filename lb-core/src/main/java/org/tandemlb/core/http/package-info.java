/**
 * The http mode (internal). {@code HttpMode} sets up a client connection; {@code Http1Connection}
 * reads its requests (strictly: {@code RequestDecoder} and {@code RequestHeadCheck} on a head's bytes,
 * {@code RequestPolicy} on the parsed request, {@code HttpLimits}) and hands each to an
 * {@code Exchange}, which picks the backend ({@code Router}), takes a server connection from the
 * pool or opens one ({@code UpstreamHandler}), forwards the request with its headers rewritten
 * ({@code HeaderRewrite}, {@code HopByHop}, {@code MessageEncoder}), reads the response
 * ({@code ResponseDecoder}) and writes it back through its {@code ClientSide}, or answers an error
 * itself ({@code ErrorResponses}). The exchange knows nothing of the client's protocol.
 */
package org.tandemlb.core.http;
