package org.tandemlb.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The headers of a server's response head, kept as {@link ResponseDecoder} read them: each value
 * a span of the validated head's bytes, turned into an object only when asked for, and written
 * back out by {@link MessageEncoder} with one copy per value. A response head goes through the
 * proxy once per request and the proxy looks at a handful of its headers (framing, hop-by-hop):
 * headers as Netty's {@code DefaultHttpHeaders} (an entry and a value object per header, a hash
 * table per head) were most of the memory a proxied request allocated.
 *
 * <p>Names are compared without regard to case, in order, by a linear scan: a head has a few
 * dozen headers at most. Values added or set by the proxy are kept as given (not validated:
 * only the proxy's own constants are added). Order is kept; removing a name removes all its
 * entries. Not thread-safe, as Netty's headers.
 */
final class HeadHeaders extends HttpHeaders {
    private final byte[] head;
    private CharSequence[] names;
    /** A value given by code, or null when the value is the span [{@link #starts}, {@link #ends}) of {@link #head}. */
    private CharSequence[] values;

    private int[] starts;
    private int[] ends;
    private int size;

    /** Empty headers over {@code head}, the bytes that {@link #addSpan} spans point into. */
    HeadHeaders(byte[] head) {
        this.head = head;
        int capacity = 12;
        names = new CharSequence[capacity];
        values = new CharSequence[capacity];
        starts = new int[capacity];
        ends = new int[capacity];
    }

    /** Appends a header whose value is {@code head[start, end)} (validated by the caller). */
    void addSpan(CharSequence name, int start, int end) {
        int i = append(name);
        starts[i] = start;
        ends[i] = end;
    }

    /** How many entries {@code name} has. */
    int count(CharSequence name) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (AsciiString.contentEqualsIgnoreCase(names[i], name)) {
                n++;
            }
        }
        return n;
    }

    /** Writes every header line ({@code name: value CRLF}) into {@code buf}. */
    void writeTo(ByteBuf buf) {
        for (int i = 0; i < size; i++) {
            CharSequence n = names[i];
            if (n instanceof AsciiString a) {
                ByteBufUtil.copy(a, buf);
            } else {
                buf.writeCharSequence(n, StandardCharsets.ISO_8859_1);
            }
            buf.writeByte(':');
            buf.writeByte(' ');
            CharSequence v = values[i];
            if (v == null) {
                buf.writeBytes(head, starts[i], ends[i] - starts[i]);
            } else if (v instanceof AsciiString a) {
                ByteBufUtil.copy(a, buf);
            } else {
                buf.writeCharSequence(v, StandardCharsets.ISO_8859_1);
            }
            buf.writeByte('\r');
            buf.writeByte('\n');
        }
    }

    private int append(CharSequence name) {
        if (size == names.length) {
            int capacity = size * 2;
            names = Arrays.copyOf(names, capacity);
            values = Arrays.copyOf(values, capacity);
            starts = Arrays.copyOf(starts, capacity);
            ends = Arrays.copyOf(ends, capacity);
        }
        names[size] = name;
        values[size] = null;
        return size++;
    }

    private int indexOf(CharSequence name, int from) {
        for (int i = from; i < size; i++) {
            if (AsciiString.contentEqualsIgnoreCase(names[i], name)) {
                return i;
            }
        }
        return -1;
    }

    private CharSequence value(int i) {
        CharSequence v = values[i];
        return v != null ? v : new AsciiString(head, starts[i], ends[i] - starts[i], false);
    }

    private String valueString(int i) {
        CharSequence v = values[i];
        return v != null ? v.toString() : new String(head, starts[i], ends[i] - starts[i], StandardCharsets.ISO_8859_1);
    }

    // ---- reading ----

    @Override
    public String get(String name) {
        return get((CharSequence) name);
    }

    @Override
    public String get(CharSequence name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : valueString(i);
    }

    @Override
    public Integer getInt(CharSequence name) {
        String v = get(name);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer v = getInt(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public Short getShort(CharSequence name) {
        Integer v = getInt(name);
        return v == null || v != v.shortValue() ? null : v.shortValue();
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short v = getShort(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        String v = get(name);
        Date d = v == null ? null : DateFormatter.parseHttpDate(v);
        return d == null ? null : d.getTime();
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long v = getTimeMillis(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public List<String> getAll(String name) {
        return getAll((CharSequence) name);
    }

    @Override
    public List<String> getAll(CharSequence name) {
        List<String> all = null;
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            if (all == null) {
                all = new ArrayList<>(2);
            }
            all.add(valueString(i));
        }
        return all == null ? Collections.emptyList() : all;
    }

    @Override
    public Iterator<String> valueStringIterator(CharSequence name) {
        return getAll(name).iterator();
    }

    @Override
    public Iterator<? extends CharSequence> valueCharSequenceIterator(CharSequence name) {
        int i = indexOf(name, 0);
        if (i < 0) {
            return Collections.emptyIterator();
        }
        int next = indexOf(name, i + 1);
        if (next < 0) {
            return Collections.singletonList(value(i)).iterator();
        }
        List<CharSequence> all = new ArrayList<>(2);
        for (; i >= 0; i = indexOf(name, i + 1)) {
            all.add(value(i));
        }
        return all.iterator();
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        List<Map.Entry<String, String>> all = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            all.add(new AbstractMap.SimpleImmutableEntry<>(names[i].toString(), valueString(i)));
        }
        return all;
    }

    @Override
    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    @Override
    public boolean contains(CharSequence name) {
        return indexOf(name, 0) >= 0;
    }

    @Override
    @SuppressWarnings("deprecation") // HttpHeaders declares it deprecated, and still abstract: it must be here
    public Iterator<Map.Entry<String, String>> iterator() {
        return entries().iterator();
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        List<Map.Entry<CharSequence, CharSequence>> all = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            all.add(new AbstractMap.SimpleImmutableEntry<>(names[i], value(i)));
        }
        return all.iterator();
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<String> names() {
        Set<String> all = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < size; i++) {
            all.add(names[i].toString());
        }
        return all;
    }

    // ---- changing ----

    @Override
    public HttpHeaders add(String name, Object value) {
        return add((CharSequence) name, value);
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        int i = append(name);
        values[i] = value instanceof CharSequence cs ? cs : String.valueOf(value);
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        return add((CharSequence) name, values);
    }

    @Override
    public HttpHeaders add(CharSequence name, Iterable<?> values) {
        for (Object v : values) {
            add(name, v);
        }
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        return add(name, String.valueOf(value));
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        return add(name, String.valueOf(value));
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        return set((CharSequence) name, value);
    }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        remove(name);
        return add(name, value);
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        return set((CharSequence) name, values);
    }

    @Override
    public HttpHeaders set(CharSequence name, Iterable<?> values) {
        remove(name);
        return add(name, values);
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        return set(name, String.valueOf(value));
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        return set(name, String.valueOf(value));
    }

    @Override
    public HttpHeaders remove(String name) {
        return remove((CharSequence) name);
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (AsciiString.contentEqualsIgnoreCase(names[i], name)) {
                continue;
            }
            if (kept != i) {
                names[kept] = names[i];
                values[kept] = values[i];
                starts[kept] = starts[i];
                ends[kept] = ends[i];
            }
            kept++;
        }
        Arrays.fill(names, kept, size, null);
        Arrays.fill(values, kept, size, null);
        size = kept;
        return this;
    }

    @Override
    public HttpHeaders clear() {
        Arrays.fill(names, 0, size, null);
        Arrays.fill(values, 0, size, null);
        size = 0;
        return this;
    }
}
