package org.tandemlb.admin.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import org.tandemlb.core.Warmup;

/**
 * Drops the lines below WARN that the start's warm-up logs on its own threads ({@link
 * Warmup#THREAD_NAME}): its private copy of the frontends listens on ephemeral ports, and a line
 * saying so would be taken for the real frontends'. Named in the daemon's {@code logback.xml}.
 */
public final class WarmupLogFilter extends Filter<ILoggingEvent> {

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return event.getThreadName().startsWith(Warmup.THREAD_NAME)
                        && !event.getLevel().isGreaterOrEqual(Level.WARN)
                ? FilterReply.DENY
                : FilterReply.NEUTRAL;
    }
}
