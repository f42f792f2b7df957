/**
 * TLS termination on frontends.
 *
 * <ul>
 * <li>{@link org.tandemlb.core.tls.TlsCertificate} reads one certificate chain and its key from
 * PEM files (RSA or ECDSA, PKCS#8 or traditional keys), checks that they belong together and
 * knows the names the certificate is for; {@link org.tandemlb.core.tls.TlsFileException} names
 * the file when they do not.</li>
 * <li>{@link org.tandemlb.core.tls.ServerTls} is a frontend's TLS at run time: one
 * {@code SslContext} per certificate, the choice among them by SNI, ALPN, and the pipeline of an
 * accepted connection. It is built on the caller's thread (file I/O), never on an event loop,
 * and rebuilt at a reload only for certificates whose files changed.</li>
 * <li>{@link org.tandemlb.core.tls.TlsFrontends} builds the {@code ServerTls} of a whole
 * configuration at start and at each reload, with the provider and the session-ticket keys.</li>
 * <li>{@link org.tandemlb.core.tls.TlsProvider} is BoringSSL (netty-tcnative) or the JDK.</li>
 * <li>{@link org.tandemlb.core.tls.TicketKeys} derives the session-ticket keys from a secret and
 * the wall clock, so the two nodes of a cluster resume each other's sessions;
 * {@link org.tandemlb.core.tls.TicketRotation} installs each hour's keys.</li>
 * <li>{@link org.tandemlb.core.tls.TlsSession} is a connection's TLS version and cipher, for the
 * access log.</li>
 * <li>{@link org.tandemlb.core.tls.HandshakeStats} counts handshakes and their failures by a
 * bounded set of reasons.</li>
 * </ul>
 *
 * <p>The user's view of all this is the HTTPS section of the README and the {@code tls} entries
 * of {@code docs/configuration.md}.
 */
package org.tandemlb.core.tls;
