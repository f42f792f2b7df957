package org.tandemlb.admin.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads YAML text into a {@link YamlNode} tree with Jackson's streaming parser, keeping every
 * node's position. Jackson numbers lines and columns from 1, at the node's first character
 * (the opening quote of a quoted scalar, the first key of a block mapping, the {@code {} of a flow
 * mapping, the first {@code -} of a block list).
 *
 * <p>Duplicate keys and aliases are kept in the tree for {@link Section} to report with
 * their paths. A YAML syntax error ends the reading: it is the only problem reported, since nothing
 * after it can be trusted.
 */
final class YamlReader {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    /** "in 'reader', line 3, column 2:" in SnakeYAML's messages. */
    private static final Pattern MARK = Pattern.compile("^\\s*in '[^']*', line (\\d+), column (\\d+):?\\s*$");

    private YamlReader() {}

    /**
     * The tree of {@code text}, or null when it has no document or has a syntax error (then
     * reported in {@code problems}).
     */
    static YamlNode read(String file, String text, List<ConfigProblem> problems) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                problems.add(new ConfigProblem(file, 1, 1, "", "the file is empty"));
                return null;
            }
            YamlNode root = node(p, t);
            JsonToken extra = p.nextToken();
            if (extra != null) {
                JsonLocation l = p.currentTokenLocation();
                problems.add(new ConfigProblem(
                        file,
                        l.getLineNr(),
                        l.getColumnNr(),
                        "",
                        "only one YAML document is allowed (remove the second '---')"));
            }
            return root;
        } catch (JsonProcessingException e) {
            problems.add(syntaxProblem(file, text, e));
            return null;
        } catch (IOException e) {
            // Reading from a String does no I/O; this would be a parser failure without a position.
            problems.add(new ConfigProblem(file, 1, 1, "", "cannot read the file as YAML: " + e.getMessage()));
            return null;
        }
    }

    private static YamlNode node(JsonParser p, JsonToken t) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        switch (t) {
            case START_OBJECT -> {
                List<YamlNode.Entry> entries = new ArrayList<>();
                List<YamlNode.Entry> duplicates = new ArrayList<>();
                Set<String> seen = new HashSet<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    JsonLocation kl = p.currentTokenLocation();
                    String name = p.currentName();
                    YamlNode.Scalar key = new YamlNode.Scalar(name, false, false, kl.getLineNr(), kl.getColumnNr());
                    YamlNode.Entry entry = new YamlNode.Entry(key, node(p, p.nextToken()));
                    (seen.add(name) ? entries : duplicates).add(entry);
                }
                return new YamlNode.Mapping(entries, duplicates, line, column);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) {
                    items.add(node(p, i));
                }
                return new YamlNode.Sequence(items, line, column);
            }
            default -> {
                boolean alias = p instanceof YAMLParser y && y.isCurrentAlias();
                boolean isNull = t == JsonToken.VALUE_NULL;
                String text = p.getText();
                return new YamlNode.Scalar(isNull || text == null ? "" : text, isNull, alias, line, column);
            }
        }
    }

    /**
     * Turns SnakeYAML's multi-line message ("while parsing X / in 'reader', line 2, column 4: /
     * snippet / ^ / expected Y / in 'reader', line 3, column 2: ...") into one line.
     */
    static ConfigProblem syntaxProblem(String file, String text, JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        int line = loc == null || loc.getLineNr() < 1 ? 1 : loc.getLineNr();
        int column = loc == null || loc.getColumnNr() < 1 ? 1 : loc.getColumnNr();
        String original = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
        List<String> statements = new ArrayList<>();
        List<Integer> statementLines = new ArrayList<>();
        for (String l : original.split("\n")) {
            Matcher m = MARK.matcher(l);
            if (m.matches()) {
                int last = statements.size() - 1;
                if (last >= 0 && statementLines.get(last) == null) {
                    statementLines.set(last, Integer.parseInt(m.group(1)));
                }
            } else if (!l.isBlank() && !l.startsWith(" ")) {
                statements.add(l.trim());
                statementLines.add(null);
            }
        }
        String message;
        if (original.startsWith("Expected a field name")) {
            // Jackson's words for a YAML key that is a list or a mapping ("? [a, b]").
            message = "YAML syntax error: a key must be a plain value, not a list or a mapping";
        } else if (statements.isEmpty()) {
            message = "YAML syntax error";
        } else if (statements.size() == 1) {
            message = "YAML syntax error: " + statements.get(0);
        } else {
            String context = statements.get(0);
            Integer contextLine = statementLines.get(0);
            message = "YAML syntax error: " + statements.get(statements.size() - 1) + " (" + context
                    + (contextLine == null ? "" : " started at line " + contextLine) + ")";
        }
        String[] source = text.split("\n", -1);
        if (line <= source.length && source[line - 1].contains("${")) {
            message += "; quote a value holding ${...} inside { } or [ ]";
        }
        return new ConfigProblem(file, line, column, "", message);
    }
}
