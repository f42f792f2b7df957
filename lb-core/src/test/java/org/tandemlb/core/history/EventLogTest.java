package org.tandemlb.core.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The last thousand events, numbered, read after a number or the latest ones. */
class EventLogTest {
    private final EventLog log = new EventLog(Clock.fixed(Instant.parse("2026-12-02T05:00:00Z"), ZoneOffset.UTC));

    private static List<Long> seqs(List<Event> events) {
        return events.stream().map(Event::seq).toList();
    }

    @Test
    void numbersEventsAndReadsThemAfterANumber() {
        assertEquals(0, log.lastSeq());
        assertEquals(List.of(), log.after(0, 10));
        for (int i = 0; i < 5; i++) {
            log.record(EventType.SERVER_HEALTH, "web/a", "down " + i);
        }
        Event first = log.after(0, 1).get(0);
        assertEquals(
                new Event(1, Instant.parse("2026-12-02T05:00:00Z"), EventType.SERVER_HEALTH, "web/a", "down 0"), first);
        assertEquals(List.of(3L, 4L), seqs(log.after(2, 2)), "the oldest after 2, two of them");
        assertEquals(List.of(4L, 5L), seqs(log.latest(2)));
        assertEquals(List.of(), log.after(5, 10));
        assertEquals(5, log.lastSeq());
    }

    @Test
    void keepsTheLastThousand() {
        for (int i = 0; i < 2500; i++) {
            log.record(EventType.RELOAD, "lb1", "applied");
        }
        assertEquals(LongStream.rangeClosed(1501, 2500).boxed().toList(), seqs(log.after(0, 5000)));
        assertEquals(List.of(1501L, 1502L), seqs(log.after(3, 2)), "dropped events are skipped");
        assertEquals(List.of(2500L), seqs(log.latest(1)));
        assertEquals(EventLog.CAPACITY, log.latest(5000).size());
    }
}
