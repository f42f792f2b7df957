package org.tandemlb.core.health;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * A probe for tests: answers what the test scripted, after a virtual delay, and records when each
 * probe started (in virtual time) and which were cancelled. With nothing scripted it answers
 * with {@link #otherwise}; a {@code null} outcome never answers (a server that hangs).
 */
final class FakeCheck implements Check {
    private final ManualScheduler scheduler;
    private final Deque<Outcome> script = new ArrayDeque<>();
    final List<Long> starts = new ArrayList<>();
    int cancelled;
    Outcome otherwise = Outcome.passed("200");
    Duration delay = Duration.ofMillis(3);
    /** When set, cancelling does not stop the answer: it still comes, late (to test that late answers are ignored). */
    boolean ignoresCancel;

    FakeCheck(ManualScheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Scripts the next answers: true passes, false fails ("503"). */
    FakeCheck then(boolean... results) {
        for (boolean r : results) {
            script.add(r ? Outcome.passed("200") : Outcome.failed("503"));
        }
        return this;
    }

    /** From now on, every probe answers {@code passes ? 200 : 503}. */
    FakeCheck always(boolean passes) {
        script.clear();
        otherwise = passes ? Outcome.passed("200") : Outcome.failed("503");
        return this;
    }

    /** From now on, every probe hangs. */
    FakeCheck hangs() {
        script.clear();
        otherwise = null;
        return this;
    }

    int probes() {
        return starts.size();
    }

    @Override
    public String type() {
        return "http";
    }

    @Override
    public CheckScheduler.Cancellable start(Consumer<Outcome> done) {
        starts.add(scheduler.nanoTime());
        Outcome outcome = script.isEmpty() ? otherwise : script.poll();
        boolean[] off = {false};
        if (outcome != null) {
            scheduler.schedule(
                    () -> {
                        if (!off[0] || ignoresCancel) {
                            done.accept(outcome);
                        }
                    },
                    delay);
        }
        return () -> {
            off[0] = true;
            cancelled++;
        };
    }
}
