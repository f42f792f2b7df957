package org.tandemlb.core.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the fuzz tests share: a fuzzer's input cut into the pieces a connection would read, and the
 * invariants every parser's output must keep (CONTRIBUTING.md, "Fuzzing").
 */
public final class FuzzInput {
    /** The token characters of RFC 9110 §5.6.2 besides letters and digits. */
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

    private FuzzInput() {}

    /**
     * The bytes of {@code data} in up to four pieces, each its own buffer, so that the decoders'
     * handling of input that stops anywhere is fuzzed too. The cut points are taken from the end of
     * the input (where {@link FuzzedDataProvider} reads numbers), the bytes from its start: a seed
     * file is the raw bytes followed by a few zero bytes (one piece).
     */
    public static List<ByteBuf> pieces(FuzzedDataProvider data) {
        int cuts = data.consumeInt(0, 3);
        int[] at = new int[cuts];
        for (int i = 0; i < cuts; i++) {
            at[i] = data.consumeInt(0, Integer.MAX_VALUE);
        }
        byte[] bytes = data.consumeRemainingAsBytes();
        for (int i = 0; i < cuts; i++) {
            at[i] = at[i] % (bytes.length + 1);
        }
        Arrays.sort(at);
        List<ByteBuf> pieces = new ArrayList<>();
        int from = 0;
        for (int to : at) {
            pieces.add(Unpooled.buffer(to - from).writeBytes(bytes, from, to - from));
            from = to;
        }
        pieces.add(Unpooled.buffer(bytes.length - from).writeBytes(bytes, from, bytes.length - from));
        return pieces;
    }

    /** No leak: every buffer handed to a decoder was released, once its outputs were and the channel closed. */
    public static void assertReleased(List<ByteBuf> pieces) {
        for (ByteBuf b : pieces) {
            assertEquals(0, b.refCnt(), "an input buffer was not released (a leak)");
        }
    }

    /**
     * A header Tandem forwards cannot change how the next hop reads the message it is in: the name
     * is a token, the value has no CR, LF or NUL.
     */
    public static void assertForwardable(String name, String value) {
        assertFalse(name.isEmpty(), "an empty header name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean token = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || TCHAR_SYMBOLS.indexOf(c) >= 0;
            assertTrue(token, "a header name with a non-token character: " + name);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            assertTrue(c != '\r' && c != '\n' && c != 0, "CR, LF or NUL in the value of " + name);
        }
    }
}
