package org.tandemlb.admin.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code tandem ctl status} and {@code tandem ctl servers} print of {@code GET /api/v1/status}
 * (docs/admin-api.md): the status page's tables, in text.
 */
final class StatusView {
    private final JsonNode status;
    private final boolean colour;

    StatusView(JsonNode status, boolean colour) {
        this.status = status;
        this.colour = colour;
    }

    /** The node, its cluster role and members; the VIPs and their owners when there are any. */
    void printCluster(PrintWriter out) {
        JsonNode cluster = status.path("cluster");
        List<String> members = new ArrayList<>();
        cluster.path("members").forEach(m -> members.add(m.asText()));
        out.println("node " + status.path("node").asText() + "  cluster "
                + Table.word(cluster.path("role").asText(), colour) + "  members "
                + (members.isEmpty() ? "-" : String.join(", ", members)));
        if (!cluster.path("vips").isEmpty()) {
            Table vips = new Table("VIP", "OWNER");
            cluster.path("vips").forEach(v -> vips.row(v.path("address").asText(), text(v.path("owner"))));
            out.println();
            vips.print(out, colour);
        }
    }

    /** The frontends: where they listen and their connections. */
    void printFrontends(PrintWriter out) {
        Table t = new Table("FRONTEND", "MODE", "LISTENING ON", "#CONNECTIONS", "#TOTAL");
        for (JsonNode f : status.path("frontends")) {
            List<String> binds = new ArrayList<>();
            f.path("binds").forEach(b -> binds.add(b.asText()));
            t.row(
                    f.path("name").asText(),
                    f.path("mode").asText() + (f.path("tls").isObject() ? "+tls" : ""),
                    String.join(" ", binds),
                    f.path("current_connections").asLong(),
                    f.path("connections_total").asLong());
        }
        t.print(out, colour);
    }

    /** Each backend with its servers, as the status page shows them. */
    void printBackends(PrintWriter out) {
        for (JsonNode b : status.path("backends")) {
            out.println();
            out.println("backend " + b.path("name").asText() + " ("
                    + b.path("mode").asText() + ", " + b.path("balance").asText() + ")");
            Table t =
                    new Table("SERVER", "ADDRESS", "STATE", "HEALTH", "#WEIGHT", "#ACTIVE", "#REQUESTS", "LAST CHECK");
            b.path("servers").forEach(s -> t.row(serverCells(null, s)));
            t.print(out, colour);
        }
    }

    /**
     * The servers of {@code backend} (null: of every backend) in one table.
     *
     * @return false when there is no such backend
     */
    boolean printServers(PrintWriter out, String backend) {
        Table t = new Table(
                "BACKEND", "SERVER", "ADDRESS", "STATE", "HEALTH", "#WEIGHT", "#ACTIVE", "#REQUESTS", "LAST CHECK");
        boolean found = false;
        for (JsonNode b : status.path("backends")) {
            String name = b.path("name").asText();
            if (backend == null || backend.equals(name)) {
                found = true;
                b.path("servers").forEach(s -> t.row(serverCells(name, s)));
            }
        }
        if (found) {
            t.print(out, colour);
        }
        return found;
    }

    /** The backends' names, in configuration order. */
    List<String> backendNames() {
        List<String> names = new ArrayList<>();
        status.path("backends").forEach(b -> names.add(b.path("name").asText()));
        return names;
    }

    private static Object[] serverCells(String backend, JsonNode s) {
        String name = s.path("name").asText() + (s.path("backup").asBoolean() ? " (backup)" : "");
        int weight = s.path("weight").asInt();
        int target = s.path("target_weight").asInt(weight);
        List<Object> cells = new ArrayList<>();
        if (backend != null) {
            cells.add(backend);
        }
        cells.add(name);
        cells.add(s.path("address").asText());
        cells.add(s.path("state").asText());
        cells.add(s.path("health").asText());
        cells.add(weight == target ? String.valueOf(weight) : weight + "->" + target); // a slow start
        cells.add(s.path("active_connections").asLong());
        cells.add(s.path("requests_total").asLong());
        cells.add(lastCheck(s.path("last_check")));
        return cells.toArray();
    }

    /** "passed: 200 (3 ms)", or null before the first check. */
    private static String lastCheck(JsonNode c) {
        if (!c.isObject()) {
            return null;
        }
        return c.path("status").asText() + ": " + c.path("message").asText() + " ("
                + c.path("duration_ms").asLong() + " ms)";
    }

    private static String text(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? null : n.asText();
    }
}
