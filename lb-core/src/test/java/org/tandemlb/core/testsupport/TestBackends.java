package org.tandemlb.core.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@link TestBackend}s for one test at a time, closed after each test, whatever its outcome:
 *
 * <pre>{@code
 * @RegisterExtension
 * final TestBackends backends = new TestBackends();
 *
 * @Test
 * void x() {
 *     TestBackend a = backends.start("a");   // on 127.0.0.1, a port the system picked
 * }
 * }</pre>
 *
 * Register it on an instance field: it closes what it started after every test.
 */
public final class TestBackends implements AfterEachCallback {
    private final List<TestBackend> started = new ArrayList<>();

    /** Starts a backend that answers with {@code name}; it is closed after the test. */
    public synchronized TestBackend start(String name) {
        TestBackend backend = TestBackend.start(name);
        started.add(backend);
        return backend;
    }

    /** Starts one backend per name, in order. */
    public List<TestBackend> start(String... names) {
        List<TestBackend> out = new ArrayList<>();
        for (String name : names) {
            out.add(start(name));
        }
        return out;
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        started.forEach(TestBackend::close);
        started.clear();
    }
}
