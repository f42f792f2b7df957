package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** HAProxy's {@code cookie} directive as Tandem's {@code persistence} keys. */
final class CookieTranslator {
    private CookieTranslator() {}

    /**
     * {@code cookie NAME [insert|prefix|rewrite] [indirect] [nocache] [httponly] [secure]
     * [maxidle TIME] ...}: Tandem's {@code persistence}. What has no Tandem key is noted.
     */
    static Map<String, String> persistence(Directive d, Notes notes) {
        Map<String, String> persistence = new LinkedHashMap<>();
        if (d.size() < 2) {
            notes.add(d, "cookie without a name");
            return persistence;
        }
        persistence.put("cookie", d.word(1));
        String mode = "rewrite"; // HAProxy's default mode
        boolean indirect = false;
        boolean nocache = false;
        boolean httponly = false;
        boolean secure = false;
        String maxidle = null;
        List<String> dropped = new ArrayList<>();
        for (int i = 2; i < d.size(); i++) {
            String w = d.word(i);
            switch (w) {
                case "insert", "prefix", "rewrite" -> mode = w;
                case "indirect" -> indirect = true;
                case "nocache" -> nocache = true;
                case "httponly" -> httponly = true;
                case "secure" -> secure = true;
                case "maxidle" -> maxidle = i + 1 < d.size() ? d.word(++i) : "";
                case "domain", "maxlife", "attr" -> dropped.add(w + " " + (i + 1 < d.size() ? d.word(++i) : ""));
                default -> dropped.add(w);
            }
        }
        persistence.put("mode", mode);
        if (!mode.equals("insert") && maxidle != null) {
            dropped.add("maxidle " + maxidle + " (insert mode only)");
        }
        if (mode.equals("insert")) {
            persistence.put("nocache", Boolean.toString(nocache));
            persistence.put("httponly", Boolean.toString(httponly));
            if (secure) {
                persistence.put("secure", "always");
            }
            String maxIdle = maxIdle(maxidle);
            if (maxIdle != null) {
                persistence.put("max_idle", maxIdle);
            } else if (maxidle != null) {
                dropped.add("maxidle " + maxidle);
            }
            if (!indirect) {
                dropped.add("insert without indirect (Tandem never passes its inserted cookie on to the servers)");
            }
        }
        if (!dropped.isEmpty()) {
            notes.add(d, "cookie options not translated: " + String.join(", ", dropped));
        }
        return persistence;
    }

    /**
     * HAProxy's {@code maxidle} time (seconds without a unit) as a Tandem lifetime, or null when it
     * has none in whole seconds or more (HAProxy's {@code us} and {@code ms}).
     */
    private static String maxIdle(String haproxy) {
        if (haproxy == null || !haproxy.matches("[0-9]+[smhd]?") || haproxy.matches("0+[smhd]?")) {
            return null;
        }
        return Character.isDigit(haproxy.charAt(haproxy.length() - 1)) ? haproxy + "s" : haproxy;
    }
}
