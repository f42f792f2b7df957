package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;

/**
 * Follows a chunked request body on its bytes, ahead of Netty's decoder, to find an obsolete
 * folded line (a line starting with a space or a tab) in its trailer section. Netty unfolds such a
 * line, as it would in a head; Tandem refuses obs-fold wherever it comes (RFC 9112 §5.2, §7.1.2),
 * so the trailer section is checked before Netty reads it, as the head is.
 *
 * <p>It only counts: chunk sizes to skip the data, line ends to find the trailer lines. Netty
 * checks the framing itself; where this scan cannot read a chunk size (not hexadecimal, too
 * long), it stops, and Netty refuses the body.
 */
final class TrailerScan {
    private enum State {
        SIZE,
        SIZE_LINE,
        DATA,
        DATA_END,
        TRAILER_LINE_START,
        TRAILER_LINE,
        END_LF,
        /** The body ended, or the scan gave up: nothing more to look at. */
        DONE
    }

    /**
     * The largest chunk size Netty's parser takes (an int); a larger one is left to Netty, which
     * refuses it. (Sixteen hexadecimal digits made a negative size here, and the scan went
     * backwards: the fuzzer's finding.)
     */
    private static final long MAX_SIZE = Integer.MAX_VALUE;

    private State state = State.SIZE;
    private long size;
    private int digits;
    private boolean folded;

    /** Whether an obs-fold line was found in the trailer section. */
    boolean folded() {
        return folded;
    }

    /** Scans {@code in} from index {@code from} to {@code to}; stops at the body's end or at a fold. */
    void scan(ByteBuf in, int from, int to) {
        int i = from;
        while (i < to && state != State.DONE) {
            switch (state) {
                case SIZE -> {
                    int d = Character.digit(in.getByte(i++), 16);
                    if (d >= 0 && size <= MAX_SIZE >> 4) {
                        size = (size << 4) | d;
                        digits++;
                    } else if (digits > 0 && d < 0) {
                        state = State.SIZE_LINE; // an extension or the line's end
                        i--;
                    } else {
                        state = State.DONE; // not a size Netty would take: it refuses the body
                    }
                }
                case SIZE_LINE -> {
                    if (in.getByte(i++) == '\n') {
                        state = size == 0 ? State.TRAILER_LINE_START : State.DATA;
                    }
                }
                case DATA -> {
                    int n = (int) Math.min(size, to - i);
                    i += n;
                    size -= n;
                    if (size == 0) {
                        state = State.DATA_END;
                    }
                }
                case DATA_END -> {
                    if (in.getByte(i++) == '\n') {
                        state = State.SIZE;
                        digits = 0;
                    }
                }
                case TRAILER_LINE_START -> {
                    byte b = in.getByte(i++);
                    if (b == ' ' || b == '\t') {
                        folded = true;
                        state = State.DONE;
                    } else if (b == '\r') {
                        state = State.END_LF;
                    } else {
                        state = b == '\n' ? State.DONE : State.TRAILER_LINE;
                    }
                }
                case TRAILER_LINE -> {
                    if (in.getByte(i++) == '\n') {
                        state = State.TRAILER_LINE_START;
                    }
                }
                case END_LF -> {
                    i++;
                    state = State.DONE;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }
}
