package org.tandemlb.admin;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;

/**
 * The JVM's signal handlers ({@code sun.misc.Signal} of module jdk.unsupported, the only way in
 * Java 17 to take SIGTERM, SIGINT and SIGHUP over), reached by reflection: javac warns of every
 * direct use of that API, and the build treats warnings as errors.
 */
final class PosixSignals {
    /** A signal as it arrived: {@code TERM} and 15, say. */
    record Received(String name, int number) {}

    private final Constructor<?> newSignal;
    private final Method handle;
    private final Method getName;
    private final Method getNumber;
    private final Class<?> handlerType;

    PosixSignals() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            handlerType = Class.forName("sun.misc.SignalHandler");
            newSignal = signal.getConstructor(String.class);
            handle = signal.getMethod("handle", signal, handlerType);
            getName = signal.getMethod("getName");
            getNumber = signal.getMethod("getNumber");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this JVM has no sun.misc.Signal (module jdk.unsupported)", e);
        }
    }

    /**
     * Runs {@code handler} on each SIG{@code name} (on a thread the JVM makes for it), instead of
     * the signal's current handler.
     *
     * @return the previous handler, for {@link #restore}
     * @throws IllegalArgumentException when the JVM keeps the signal for itself ({@code -Xrs}) or
     *         the OS does not know it
     */
    Object handle(String name, Consumer<Received> handler) {
        Object proxy = Proxy.newProxyInstance(
                PosixSignals.class.getClassLoader(),
                new Class<?>[] {handlerType},
                (self, method, args) -> switch (method.getName()) {
                    case "handle" -> {
                        handler.accept(new Received((String) getName.invoke(args[0]), (int) getNumber.invoke(args[0])));
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> "tandem's handler of SIG" + name;
                });
        return install(name, proxy);
    }

    /** Puts back a handler that {@link #handle} returned. */
    void restore(String name, Object previous) {
        install(name, previous);
    }

    private Object install(String name, Object handler) {
        try {
            return handle.invoke(null, newSignal.newInstance(name), handler);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("cannot handle SIG" + name, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot handle SIG" + name, e);
        }
    }
}
