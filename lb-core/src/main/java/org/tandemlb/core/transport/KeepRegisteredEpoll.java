package org.tandemlb.core.transport;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Works around a Netty 4.2 epoll bug that lost data. When a socket has no interest left (its
 * input shut down, nothing waiting to be written), Netty's epoll handler removes it from epoll
 * ({@code EPOLL_CTL_DEL}) yet still counts it as added; when interest returns it modifies instead
 * of adding, {@code epoll_ctl} fails with {@code ENOENT}, and the write that needed
 * {@code EPOLLOUT} fails with everything still queued behind it. A TCP client that half-closed
 * and then downloaded more than its socket buffer holds lost the tail of the download.
 *
 * <p>This handler passes every call through, except that "no interest" is submitted as an
 * edge-triggered empty interest: the socket stays in epoll (so a later change is a valid
 * {@code EPOLL_CTL_MOD}) and wakes nobody, since the hang-up and error conditions epoll always
 * reports come once per change in edge-triggered mode instead of on every wait.
 */
final class KeepRegisteredEpoll implements IoHandler {
    private final IoHandler delegate;

    private KeepRegisteredEpoll(IoHandler delegate) {
        this.delegate = delegate;
    }

    /** Epoll handlers from {@code factory}, each wrapped. */
    static IoHandlerFactory wrap(IoHandlerFactory factory) {
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new KeepRegisteredEpoll(factory.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return factory.isChangingThreadSupported();
            }
        };
    }

    @Override
    public void initialize() {
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return delegate.run(context);
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    @Override
    public void destroy() {
        delegate.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Registration(delegate.register(handle));
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }

    private record Registration(IoRegistration delegate) implements IoRegistration {
        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (ops instanceof EpollIoOps e && e.value() == 0) {
                return delegate.submit(EpollIoOps.EPOLLET);
            }
            return delegate.submit(ops);
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            return delegate.cancel();
        }
    }
}
