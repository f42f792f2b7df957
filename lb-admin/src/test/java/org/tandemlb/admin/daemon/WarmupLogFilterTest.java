package org.tandemlb.admin.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.core.LoadBalancerException;
import org.tandemlb.core.Warmup;

/** The start's warm-up: its switch in the environment, and its INFO lines kept out of the log. */
class WarmupLogFilterTest {
    private final LoggerContext context = new LoggerContext();
    private final WarmupLogFilter filter = new WarmupLogFilter();

    @Test
    void theWarmupThreadsLinesBelowWarnAreDropped() {
        assertEquals(FilterReply.DENY, filter.decide(event(Warmup.THREAD_NAME, Level.INFO)));
        assertEquals(FilterReply.DENY, filter.decide(event(Warmup.THREAD_NAME + "-1-1", Level.INFO)));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event(Warmup.THREAD_NAME, Level.WARN)));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event(Warmup.THREAD_NAME + "-1-1", Level.ERROR)));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event("main", Level.INFO)));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event("tandem-worker-1-1", Level.INFO)));
    }

    @Test
    void theEnvironmentTurnsTheWarmupOffOnlyWhenItSaysOff() {
        assertTrue(EngineEnvironment.warmup(Map.of()));
        assertTrue(EngineEnvironment.warmup(Map.of(EngineEnvironment.WARMUP_ENV, "")));
        assertTrue(EngineEnvironment.warmup(Map.of(EngineEnvironment.WARMUP_ENV, "on")));
        assertFalse(EngineEnvironment.warmup(Map.of(EngineEnvironment.WARMUP_ENV, "off")));
        LoadBalancerException e = assertThrows(
                LoadBalancerException.class,
                () -> EngineEnvironment.warmup(Map.of(EngineEnvironment.WARMUP_ENV, "no")));
        assertEquals("TANDEM_WARMUP: 'no' is neither on nor off", e.getMessage());
    }

    private LoggingEvent event(String thread, Level level) {
        LoggingEvent event = new LoggingEvent();
        event.setLoggerContext(context);
        event.setLevel(level);
        event.setThreadName(thread);
        event.setMessage("frontend www (http) listening on /127.0.0.1:40000");
        return event;
    }
}
