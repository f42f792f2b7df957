package org.tandemlb.admin.config;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A config file that cannot be used, with every problem found in it (never only the first).
 * The message is the problems' {@code FILE:LINE:COL: path: message} lines joined by newlines,
 * ready for {@code tandem check} to print.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    /**
     * @param problems at least one problem; they are sorted by line, then column
     */
    public ConfigException(List<ConfigProblem> problems) {
        this(sorted(problems), true);
    }

    private ConfigException(List<ConfigProblem> sorted, boolean unused) {
        super(sorted.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")), null, false, false);
        this.problems = sorted;
    }

    private static List<ConfigProblem> sorted(List<ConfigProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return problems.stream()
                .sorted(Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column))
                .toList();
    }

    /** The problems, sorted by line then column. */
    public List<ConfigProblem> problems() {
        return problems;
    }
}
