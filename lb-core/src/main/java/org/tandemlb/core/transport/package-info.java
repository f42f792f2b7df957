/**
 * The socket transport (API): io_uring, epoll or NIO, chosen by availability or by the embedder;
 * event loops and channel classes always come from one transport.
 */
package org.tandemlb.core.transport;
