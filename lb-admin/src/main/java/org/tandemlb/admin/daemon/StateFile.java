package org.tandemlb.admin.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.backend.Backend;
import org.tandemlb.core.backend.Server;

/**
 * {@code state_file} (docs/configuration.md): the admin states and weights set at run time (the
 * API, {@code tandem ctl}, the cluster's replicated changes as applied here), kept across
 * restarts as HAProxy's {@code server-state-file} keeps them.
 *
 * <p>{@link #restore} applies the file at start, before the frontends listen; a server whose
 * line in the config file changed (its address or weight) since the file was written starts from
 * the config instead. A file that is missing, unreadable or corrupt is a warning and the config's
 * state, never a failed start.
 *
 * <p>{@link #changed} asks for the file to be written again: on a thread of its own (never an
 * event loop, never the caller), a burst of changes written once, atomically (a temporary file
 * in the same directory, fsync, rename, fsync of the directory), so that a crash leaves the old
 * file or the new one, never half of one. Only servers that differ from their config line are
 * written.
 */
final class StateFile implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateFile.class);
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /** The file's content. */
    record Saved(int version, List<SavedServer> servers) {
        Saved {
            servers = servers == null ? List.of() : List.copyOf(servers);
        }
    }

    /**
     * A server whose admin state or weight differs from its config line.
     *
     * @param address      its address in the config when this was written
     * @param configWeight its weight in the config when this was written
     * @param state        its admin state: ready, drain or maint
     * @param weight       its weight
     */
    record SavedServer(String backend, String server, String address, int configWeight, String state, int weight) {}

    private final Path file;
    private final Supplier<LoadBalancer> lb;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tandem-state-file");
        t.setDaemon(true);
        return t;
    });
    /** A write is queued and has not taken its snapshot yet: more changes ride on it. */
    private final AtomicBoolean queued = new AtomicBoolean();

    private byte[] written; // on the writer thread only
    private String lastFailure; // on the writer thread only

    /**
     * @param file where the state is kept
     * @param lb   the load balancer whose servers are written, read at each write
     */
    StateFile(Path file, Supplier<LoadBalancer> lb) {
        this.file = Objects.requireNonNull(file, "file");
        this.lb = Objects.requireNonNull(lb, "lb");
    }

    /** Where the state is kept. */
    Path file() {
        return file;
    }

    /**
     * Applies the saved states and weights to {@code running}'s servers whose config line is the
     * same as when they were saved; called before the frontends listen. Never throws.
     */
    void restore(LoadBalancer running) {
        Saved saved;
        try {
            saved = JSON.readValue(Files.readAllBytes(file), Saved.class);
        } catch (NoSuchFileException e) {
            log.info("state file {} does not exist yet: every server starts as the config says", file);
            return;
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "state file {} cannot be read ({}): every server starts as the config says",
                    file,
                    e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString());
            return;
        }
        if (saved.version() != VERSION) {
            log.warn("state file {} has version {}, not {}: ignored", file, saved.version(), VERSION);
            return;
        }
        int restored = 0;
        for (SavedServer s : saved.servers()) {
            Backend b = s == null ? null : running.backend(s.backend());
            Server server = b == null ? null : b.server(s.server());
            if (server == null) {
                continue; // removed from the config since: nothing to restore
            }
            if (!server.config().address().toString().equals(s.address())
                    || server.config().weight() != s.configWeight()) {
                log.info(
                        "server {}/{} changed in the config since the state file was written: it starts as the config says",
                        s.backend(),
                        s.server());
                continue;
            }
            try {
                AdminState state = AdminState.parse(s.state());
                server.setWeight(s.weight());
                server.setAdminState(state);
                restored++;
            } catch (IllegalArgumentException e) {
                log.warn("state file {}: server {}/{}: {}: ignored", file, s.backend(), s.server(), e.getMessage());
            }
        }
        log.info("state file {}: restored the admin state and weight of {} server(s)", file, restored);
    }

    /** Asks for the file to be written with the servers as they are then; returns at once. */
    void changed() {
        if (!queued.compareAndSet(false, true)) {
            return; // the queued write has not taken its snapshot yet: it will see this change
        }
        try {
            writer.execute(() -> {
                queued.set(false);
                write();
            });
        } catch (RejectedExecutionException e) {
            queued.set(false); // closed: the last write was made by close
        }
    }

    /** Writes the file a last time and stops the writer; waits for it (up to 10 seconds). */
    @Override
    public void close() {
        try {
            writer.execute(this::write);
        } catch (RejectedExecutionException e) {
            return; // already closed
        }
        writer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("state file {}: the last write did not end within 10s", file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The servers of {@code running} that differ from their config line. */
    static Saved snapshot(LoadBalancer running) {
        List<SavedServer> servers = new ArrayList<>();
        for (Backend b : running.backends()) {
            for (Server s : b.servers()) {
                if (s.adminState() != AdminState.READY
                        || s.targetWeight() != s.config().weight()) {
                    servers.add(new SavedServer(
                            b.name(),
                            s.name(),
                            s.config().address().toString(),
                            s.config().weight(),
                            s.adminState().apiName(),
                            s.targetWeight()));
                }
            }
        }
        return new Saved(VERSION, servers);
    }

    private void write() {
        LoadBalancer running = lb.get();
        if (running == null) {
            return;
        }
        try {
            byte[] bytes = JSON.writeValueAsBytes(snapshot(running));
            if (Arrays.equals(bytes, written)) {
                return;
            }
            writeAtomically(file, bytes);
            written = bytes;
            if (lastFailure != null) {
                log.info("state file {} is written again", file);
                lastFailure = null;
            }
        } catch (IOException | RuntimeException e) {
            String failure = e.toString();
            if (!failure.equals(lastFailure)) { // once per cause, not at every change
                log.warn(
                        "cannot write state file {} ({}): runtime changes will not survive a restart until it can be",
                        file,
                        failure);
                lastFailure = failure;
            }
        }
    }

    /** Replaces {@code target} with {@code bytes}: a crash leaves the old file or the new one. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        // The rename is durable once the directory is: fsync it too (Linux allows opening a directory to read).
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            log.debug("cannot fsync directory {}: {}", dir, e.toString());
        }
    }
}
