package org.tandemlb.admin.config;

import java.util.Locale;

/**
 * "Did you mean" for a misspelt key, choice or backend name: the known word at most two edits
 * away, when there is one.
 */
final class Suggestions {

    private Suggestions() {}

    /** {@code "; did you mean 'best'?"} to end a message with, or "" when no known word is close. */
    static String didYouMean(String given, Iterable<String> known) {
        String best = closest(given, known);
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /**
     * The known word nearest to {@code given}, ignoring case, when at most two edits away;
     * otherwise null. Of words equally near, the first.
     */
    static String closest(String given, Iterable<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Edit distance counting insertions, deletions, substitutions and swaps of neighbours as one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
