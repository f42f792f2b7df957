package org.tandemlb.admin.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tandemlb.admin.importer.KeepalivedReader.Block;

/**
 * keepalived's {@code vrrp_instance}s into Tandem's {@code cluster} section: the VIPs with their
 * interface, the priority, preemption, the peers from {@code unicast_src_ip}/{@code unicast_peer},
 * and the cluster secret in place of VRRP authentication. Tandem moves all VIPs together and
 * watches its own process and peers, so track scripts and notify scripts are noted, not
 * translated; LVS ({@code virtual_server}) is noted as a job for a frontend.
 */
final class KeepalivedTranslator {

    /** Tandem's cluster port in the docs' examples; keepalived's VRRP has no port to take it from. */
    static final int CLUSTER_PORT = 7800;

    /** The environment variables the output needs when keepalived did not say (no unicast peers). */
    static final String SECRET_VAR = "TANDEM_CLUSTER_SECRET";

    static final String BIND_VAR = "TANDEM_CLUSTER_BIND";
    static final String PEER_VAR = "TANDEM_CLUSTER_PEER";

    private final Notes notes;
    /** The variables the output refers to, for the check an import runs on its own output. */
    final List<String> variables = new ArrayList<>();

    KeepalivedTranslator(Notes notes) {
        this.notes = notes;
    }

    void translate(List<Block> blocks, TandemFile out) {
        List<Block> instances = new ArrayList<>();
        for (Block b : blocks) {
            switch (b.keyword()) {
                case "global_defs" -> globalDefs(b, out);
                case "vrrp_instance" -> instances.add(b);
                case "vrrp_script" ->
                    notes.add(
                            b.directive(),
                            "Tandem has no track scripts: it checks its own backends, and its peers watch its process");
                case "virtual_server", "virtual_server_group" ->
                    notes.add(
                            b.directive(),
                            "an LVS service: Tandem proxies instead (a tcp frontend and backend do this job)");
                default -> notes.add(b.directive(), Reasons.NONE);
            }
        }
        if (instances.isEmpty()) {
            return;
        }
        TandemFile.Cluster c = new TandemFile.Cluster();
        c.secret = "${" + SECRET_VAR + "}";
        variables.add(SECRET_VAR);
        for (Block inst : instances) {
            instance(inst, c, inst == instances.get(0));
        }
        if (c.bind == null) {
            c.bind = "${" + BIND_VAR + "}";
            variables.add(BIND_VAR);
            notes.add(
                    instances.get(0).directive(),
                    "no unicast_src_ip: set " + BIND_VAR + " to this node's cluster address (host:" + CLUSTER_PORT
                            + ") or write it in cluster.bind");
        }
        if (c.peers.isEmpty()) {
            c.peers.add("${" + PEER_VAR + "}");
            variables.add(PEER_VAR);
            notes.add(
                    instances.get(0).directive(),
                    "no unicast_peer: VRRP found its peer by multicast; set " + PEER_VAR
                            + " to the other node's cluster address or list it in cluster.peers");
        }
        out.cluster = c;
    }

    private void globalDefs(Block b, TandemFile out) {
        for (Block child : b.children()) {
            if (child.keyword().equals("router_id") && child.directive().size() > 1) {
                out.node = Names.of(child.directive().word(1), "tandem");
                out.nodeComment = "keepalived's router_id (" + child.directive().where() + ")";
            } else {
                notes.add(child.directive(), Reasons.NONE);
            }
        }
    }

    private void instance(Block inst, TandemFile.Cluster c, boolean first) {
        String iface = null;
        boolean preempt = true;
        String priority = null;
        for (Block s : inst.children()) {
            Directive d = s.directive();
            switch (s.keyword()) {
                case "interface" -> iface = d.word(1);
                case "priority" -> priority = d.word(1);
                case "nopreempt" -> preempt = false;
                case "virtual_router_id" -> {
                    if (first) {
                        c.name = "vrrp-" + Names.of(d.word(1), "1");
                        c.nameComment = "keepalived's virtual_router_id (" + d.where() + "): the same on both nodes";
                    }
                }
                case "unicast_src_ip" -> {
                    if (c.bind == null) {
                        c.bind = hostPort(d.word(1));
                        c.peers.add(c.bind);
                    }
                }
                case "unicast_peer" ->
                    s.children().forEach(p -> {
                        String hp = hostPort(p.directive().word(0));
                        if (!c.peers.contains(hp)) {
                            c.peers.add(hp);
                        }
                    });
                case "authentication" ->
                    notes.add(
                            d,
                            "cluster traffic is authenticated and encrypted with "
                                    + "cluster.secret: set " + SECRET_VAR + " to one long random string on both nodes "
                                    + "(keepalived's auth_pass is not reused)");
                case "virtual_ipaddress" -> s.children().forEach(v -> vip(v.directive(), c));
                case "state" -> notes.add(d, "Tandem elects the active node by priority; there is no initial state");
                case "advert_int" -> notes.add(d, "cluster.timings default replaces a failed node within 1-2 s");
                case "track_script", "track_interface", "track_process", "track_file" ->
                    notes.add(d, "Tandem has no tracking: it checks its own backends, and its peers watch its process");
                case "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify" ->
                    notes.add(
                            d,
                            "the linux VIP driver adds the address itself; the script driver (on_active, "
                                    + "on_standby) runs commands instead of adding it");
                default -> notes.add(d, Reasons.NONE);
            }
        }
        if (first) {
            c.priority = priority;
            c.preempt = String.valueOf(preempt);
            c.preemptComment = preempt
                    ? "keepalived preempts unless nopreempt ("
                            + inst.directive().where() + ")"
                    : "nopreempt (" + inst.directive().where() + ")";
        } else if (priority != null && !priority.equals(c.priority)) {
            notes.add(
                    inst.directive(),
                    "all VIPs move together in Tandem, with one priority (" + c.priority
                            + ", of the first vrrp_instance); this instance's " + priority + " is not used");
        }
        for (Map<String, String> vip : c.vips) {
            if (!vip.containsKey("interface") && iface != null) {
                vip.put("interface", iface);
            }
        }
    }

    /** {@code 10.0.0.10/24 dev eth0 label eth0:1}: address (with /32 when none) and interface. */
    private void vip(Directive d, TandemFile.Cluster c) {
        String address = d.word(0);
        if (!address.contains("/")) {
            address += address.contains(":") ? "/128" : "/32";
        }
        Map<String, String> vip = new LinkedHashMap<>();
        vip.put("address", address);
        List<String> other = new ArrayList<>();
        for (int i = 1; i < d.size(); i++) {
            if (d.word(i).equals("dev") && i + 1 < d.size()) {
                vip.put("interface", d.word(++i));
            } else {
                other.add(d.word(i));
            }
        }
        if (!other.isEmpty()) {
            notes.add(
                    d,
                    "the linux driver adds the address as a host address; not translated: " + String.join(" ", other));
        }
        c.vips.add(vip);
    }

    private static String hostPort(String ip) {
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + CLUSTER_PORT;
    }
}
