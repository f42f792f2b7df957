package org.tandemlb.admin.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tandemlb.core.history.Event;
import org.tandemlb.core.history.EventLog;
import org.tandemlb.core.history.History;
import org.tandemlb.core.history.Series;

/**
 * The bodies of {@code GET /api/v1/events} and {@code GET /api/v1/history} (docs/admin-api.md),
 * read from the engine's {@link EventLog} and {@link History}, and the checking of their query
 * parameters. Records that Jackson writes with snake_case names.
 */
final class RecentDocuments {
    /** The default and largest {@code limit} of the events: all that are kept. */
    static final int MAX_EVENTS = EventLog.CAPACITY;

    private RecentDocuments() {}

    /** A query parameter that is not what the endpoint takes: 400 with this message. */
    static final class BadQuery extends Exception {
        private static final long serialVersionUID = 1L;

        BadQuery(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code {"events": [...]}}, oldest first. */
    record EventsJson(List<EventJson> events) {}

    /** An event: {@code time} is ISO-8601 in UTC. */
    record EventJson(long seq, String time, String type, String subject, String message) {
        static EventJson of(Event e) {
            return new EventJson(e.seq(), e.time().toString(), e.type().apiName(), e.subject(), e.message());
        }
    }

    /**
     * The events of {@code ?since=SEQ&limit=N}: with {@code since}, the oldest ones after that
     * number (so that a poller missing nothing asks again with the last one it got); without, the
     * latest ones. {@code limit} is 1 to {@value #MAX_EVENTS}, all of them by default.
     */
    static EventsJson events(EventLog log, Map<String, List<String>> query) throws BadQuery {
        allowOnly(query, "since", "limit");
        int limit = (int) number(query, "limit", 1, MAX_EVENTS, MAX_EVENTS);
        String since = single(query, "since");
        List<Event> events =
                since == null ? log.latest(limit) : log.after(number(query, "since", 0, Long.MAX_VALUE, 0), limit);
        return new EventsJson(events.stream().map(EventJson::of).toList());
    }

    /** {@code {"interval_seconds": 1, "series": [...]}}. */
    record HistoryJson(int intervalSeconds, List<SeriesJson> series) {}

    /**
     * One subject's series; the {@code i}-th value of each list is the second that ended about
     * {@code start} + {@code i} seconds. Latencies are null for a second without requests.
     */
    record SeriesJson(
            String scope,
            String name,
            String start,
            String end,
            List<Float> requestsPerSecond,
            List<Float> errorsPerSecond,
            List<Float> p50Ms,
            List<Float> p99Ms) {
        static SeriesJson of(Series s) {
            return new SeriesJson(
                    s.scope().apiName(),
                    s.name(),
                    iso(s.start()),
                    iso(s.end()),
                    values(s.requestsPerSecond()),
                    values(s.errorsPerSecond()),
                    values(s.p50Millis()),
                    values(s.p99Millis()));
        }
    }

    /**
     * The history of {@code ?scope=frontend|backend|server[&name=NAME][&points=N]}: one subject
     * ({@code backend/server} for a server), or every subject of the scope without {@code name};
     * the last {@code points} samples (1 to 600, all by default).
     *
     * @throws UnknownNameException for a name that the scope does not have
     */
    static HistoryJson history(History history, Map<String, List<String>> query) throws BadQuery {
        allowOnly(query, "scope", "name", "points");
        String scopeName = single(query, "scope");
        if (scopeName == null) {
            throw new BadQuery("give scope=frontend, scope=backend or scope=server (and name=NAME for one)");
        }
        History.Scope scope;
        try {
            scope = History.Scope.valueOf(scopeName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadQuery("scope must be frontend, backend or server, not '" + scopeName + "'");
        }
        int points = (int) number(query, "points", 1, History.SAMPLES, History.SAMPLES);
        String name = single(query, "name");
        List<Series> series;
        if (name == null) {
            series = history.series(scope, points);
        } else {
            series = List.of(history.series(scope, name, points)
                    .orElseThrow(() -> new UnknownNameException("no " + scope.apiName() + " '" + name + "'"
                            + (scope == History.Scope.SERVER ? " (name a server as backend/server)" : ""))));
        }
        return new HistoryJson(1, series.stream().map(SeriesJson::of).toList());
    }

    private static String iso(Instant t) {
        return t == null ? null : t.toString();
    }

    /** The values, NaN as null, rounded to a thousandth (a sparkline needs no more). */
    private static List<Float> values(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(Float.isNaN(v) ? null : Math.round(v * 1000.0) / 1000.0f);
        }
        return out;
    }

    private static void allowOnly(Map<String, List<String>> query, String... names) throws BadQuery {
        for (String key : query.keySet()) {
            if (!List.of(names).contains(key)) {
                throw new BadQuery(
                        "unknown parameter '" + key + "' (this endpoint takes " + String.join(", ", names) + ")");
            }
        }
    }

    private static String single(Map<String, List<String>> query, String name) throws BadQuery {
        List<String> values = query.get(name);
        if (values == null) {
            return null;
        }
        if (values.size() != 1) {
            throw new BadQuery(name + " is given " + values.size() + " times");
        }
        return values.get(0);
    }

    private static long number(Map<String, List<String>> query, String name, long min, long max, long absent)
            throws BadQuery {
        String text = single(query, name);
        if (text == null) {
            return absent;
        }
        try {
            long n = Long.parseLong(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new BadQuery(name + " must be a whole number from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max)
                + ", not '" + text + "'");
    }
}
