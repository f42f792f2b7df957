package org.tandemlb.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The backend package (servers, pools, balancing) does not depend on the health checks: health
 * drives servers through their public methods, never the other way round.
 */
class BackendDependenciesTest {

    @Test
    void backendSourcesImportNothingFromHealth() throws IOException {
        Path sources = Path.of("src/main/java/org/tandemlb/core/backend");
        List<String> offending;
        try (Stream<Path> files = Files.walk(sources)) {
            offending = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> read(p).lines()
                            .anyMatch(l -> l.startsWith("import org.tandemlb.core.health.")
                                    || l.startsWith("import static org.tandemlb.core.health.")))
                    .map(p -> sources.relativize(p).toString())
                    .toList();
        }
        assertEquals(List.of(), offending);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
