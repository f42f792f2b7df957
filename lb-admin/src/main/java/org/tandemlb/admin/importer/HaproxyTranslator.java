package org.tandemlb.admin.importer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tandemlb.admin.importer.HaproxyReader.Section;

/**
 * An HAProxy configuration into a {@link TandemFile}: {@code global} (file locations; the rest is
 * noted), {@code defaults} (inherited by the sections after it, or by name with {@code from}; the
 * one most sections use becomes Tandem's {@code defaults}), {@code frontend}, {@code backend} and
 * {@code listen} (a frontend and a backend of one name). Every line is either translated or noted.
 */
final class HaproxyTranslator {

    private static final Set<String> FRONTEND_TIMEOUTS = Set.of("client", "http_request", "keep_alive");

    private final Context ctx;
    private final Map<String, List<Directive>> namedDefaults = new HashMap<>();
    private final Map<List<Directive>, Integer> defaultsUse = new LinkedHashMap<>();
    private final List<FrontendTranslator> frontends = new ArrayList<>();
    private final List<BackendTranslator> backends = new ArrayList<>();
    /** The listen sections: their frontend side routes to their backend side. */
    private final Map<FrontendTranslator, BackendTranslator> listens = new HashMap<>();

    HaproxyTranslator(Notes notes, Path baseDir) {
        this.ctx = new Context(notes, baseDir);
    }

    void translate(List<Section> sections, TandemFile out) {
        List<Directive> lastDefaults = List.of();
        for (Section s : sections) {
            switch (s.kind()) {
                case "global" -> s.body().forEach(this::global);
                case "defaults" -> {
                    List<Directive> all = new ArrayList<>(from(s.header(), lastDefaults));
                    all.addAll(s.body());
                    noteDefaults(s.body());
                    defaultsUse.putIfAbsent(all, 0);
                    if (!s.name().isEmpty() && !s.name().equals("from")) {
                        namedDefaults.put(s.name(), all);
                    }
                    lastDefaults = all;
                }
                case "frontend", "backend", "listen" -> proxy(s, from(s.header(), lastDefaults));
                case "" -> s.body().forEach(d -> ctx.notes.add(d, "a line outside any section"));
                default ->
                    ctx.notes.add(
                            s.header(),
                            "the " + s.kind() + " section (" + s.body().size() + " lines) is not translated: "
                                    + Reasons.NONE);
            }
        }
        build(out);
    }

    /** The defaults a section inherits: {@code from NAME} on its line, else the last defaults section. */
    private List<Directive> from(Directive header, List<Directive> last) {
        int at = header.words().indexOf("from");
        if (at > 0 && at + 1 < header.size()) {
            List<Directive> named = namedDefaults.get(header.word(at + 1));
            if (named == null) {
                ctx.notes.add(header, "defaults section '" + header.word(at + 1) + "' is not defined");
                return List.of();
            }
            return named;
        }
        return last;
    }

    private void global(Directive d) {
        switch (d.keyword()) {
            case "crt-base" -> ctx.crtBase = d.word(1);
            case "ca-base" -> ctx.caBase = d.word(1);
            case "default-path" -> {
                if (d.word(1).equals("origin") && !d.word(2).isEmpty()) {
                    ctx.baseDir = Path.of(d.word(2));
                } else if (!d.word(1).equals("config")) {
                    ctx.notes.add(d, "relative file names are read from the configuration's directory");
                }
            }
            case "ssl-default-bind-options" -> {
                List<String> other = new ArrayList<>();
                for (int i = 1; i < d.size(); i++) {
                    String o = d.word(i);
                    if (o.equals("ssl-min-ver") && i + 1 < d.size()) {
                        String v = d.word(++i);
                        if (!v.equals("TLSv1.2")) {
                            other.add(o + " " + v);
                        }
                    } else if (!Set.of("no-sslv3", "no-tlsv10", "no-tlsv11").contains(o)) {
                        other.add(o);
                    }
                }
                if (!other.isEmpty()) {
                    ctx.notes.add(
                            d,
                            "Tandem offers TLS 1.2 and 1.3 with session tickets; not translated: "
                                    + String.join(" ", other));
                }
            }
            default -> ctx.notes.add(d, Reasons.of(d));
        }
    }

    /** A defaults section's own lines, through a frontend and a backend, to note what neither takes. */
    private void noteDefaults(List<Directive> body) {
        FrontendTranslator fe = new FrontendTranslator(ctx, body.isEmpty() ? null : body.get(0), "defaults");
        BackendTranslator be = new BackendTranslator(ctx, null, "defaults");
        for (Directive d : body) {
            boolean taken = fe.apply(d) | be.apply(d);
            if (!taken && !ctx.notes.has(d)) {
                ctx.notes.add(d, Reasons.of(d));
            } else if (HttpRuleTranslator.handles(d) && !ctx.notes.has(d)) {
                ctx.notes.add(
                        d,
                        "Tandem's defaults have no HTTP rules or error pages: each http frontend that inherits"
                                + " this line has it");
            }
        }
    }

    private void proxy(Section s, List<Directive> defaults) {
        defaultsUse.merge(defaults, 1, Integer::sum);
        FrontendTranslator fe = s.kind().equals("backend") ? null : new FrontendTranslator(ctx, s.header(), s.name());
        BackendTranslator be = s.kind().equals("frontend") ? null : new BackendTranslator(ctx, s.header(), s.name());
        for (Directive d : defaults) {
            // Inherited lines are noted (once) at the defaults section, not here. Inherited HTTP
            // rules and error pages go to the frontends only: they cover every request.
            if (fe != null) {
                fe.apply(d);
            }
            if (be != null && !HttpRuleTranslator.handles(d)) {
                be.apply(d);
            }
        }
        for (Directive d : s.body()) {
            boolean taken = fe != null && fe.apply(d);
            // A listen section's HTTP rules are its frontend side's.
            if (be != null && !(fe != null && HttpRuleTranslator.handles(d))) {
                taken |= be.apply(d);
            }
            if (!taken && !ctx.notes.has(d)) {
                ctx.notes.add(d, Reasons.of(d));
            }
        }
        if (fe != null && be != null && fe.stats && !be.hasServers() && fe.useBackends.isEmpty()) {
            ctx.notes.add(s.header(), "a stats page only: " + Reasons.STATS);
            return;
        }
        if (fe != null && be == null && fe.stats && fe.routesNowhere()) {
            ctx.notes.add(s.header(), "a stats page only: " + Reasons.STATS);
            return;
        }
        if (fe != null) {
            frontends.add(fe);
            if (fe.binds.isEmpty()) {
                ctx.notes.add(s.header(), "no bind address Tandem can use: the frontend is left out");
                frontends.remove(fe);
            }
        }
        if (be != null) {
            backends.add(be);
            if (fe != null) {
                listens.put(fe, be);
            }
        }
    }

    private void build(TandemFile out) {
        // Tandem's defaults: those of the defaults section most proxies use (the first one on a tie).
        List<Directive> main = defaultsUse.entrySet().stream()
                .max((a, b) -> Integer.compare(a.getValue(), b.getValue()))
                .map(Map.Entry::getKey)
                .orElse(List.of());
        FrontendTranslator dfe = new FrontendTranslator(ctx, null, "defaults");
        BackendTranslator dbe = new BackendTranslator(ctx, null, "defaults");
        for (Directive d : main) {
            dfe.apply(d);
            dbe.apply(d);
        }
        out.defaultTimeouts.putAll(dfe.timeouts);
        out.defaultTimeouts.putAll(dbe.timeouts);
        out.defaultRetries = dbe.retries;

        Map<String, TandemFile.Backend> byHaproxyName = new LinkedHashMap<>();
        Map<BackendTranslator, TandemFile.Backend> byTranslator = new HashMap<>();
        Set<String> backendNames = new HashSet<>();
        for (BackendTranslator bt : backends) {
            TandemFile.Backend be = bt.backend(Names.unique(Names.of(bt.name(), "backend"), backendNames));
            be.mode = mode(be.mode, bt.header());
            if (be.mode.equals("tcp")) {
                httpOnly(bt.rules, bt.header(), "backend");
                be.requestHeaders.clear();
                be.responseHeaders.clear();
                be.errorPages.clear();
            }
            be.timeouts.entrySet().removeIf(e -> e.getValue().equals(out.defaultTimeouts.get(e.getKey())));
            if (be.retries != null && be.retries.equals(out.defaultRetries)) {
                be.retries = null;
            }
            byHaproxyName.putIfAbsent(bt.name(), be);
            byTranslator.put(bt, be);
            out.backends.add(be);
        }
        Set<String> frontendNames = new HashSet<>();
        Map<String, TandemFile.Backend> placeholders = new HashMap<>();
        for (FrontendTranslator ft : frontends) {
            String mode = mode(ft.mode, ft.header());
            BackendTranslator own = listens.get(ft);
            TandemFile.Backend dflt = own != null ? byTranslator.get(own) : null;
            if (dflt == null && ft.defaultBackend != null) {
                dflt = byHaproxyName.get(ft.defaultBackend);
                if (dflt == null) {
                    ctx.notes.add(ft.defaultBackendDirective, "backend '" + ft.defaultBackend + "' is not defined");
                }
            }
            // A tcp frontend whose backends are all http is upgraded to http by HAProxy.
            List<TandemFile.Backend> used = new ArrayList<>();
            if (dflt != null) {
                used.add(dflt);
            }
            ft.useBackends.forEach(r -> {
                if (byHaproxyName.containsKey(r.backend())) {
                    used.add(byHaproxyName.get(r.backend()));
                }
            });
            String upgraded = null;
            if (mode.equals("tcp") && !used.isEmpty() && used.stream().allMatch(b -> b.mode.equals("http"))) {
                mode = "http";
                upgraded = "mode http: HAProxy upgrades a tcp frontend to its http backends";
            }
            if (dflt != null && !dflt.mode.equals(mode)) {
                ctx.notes.add(
                        ft.defaultBackendDirective != null ? ft.defaultBackendDirective : ft.header(),
                        "backend '" + dflt.name + "' is in mode " + dflt.mode + ", the frontend in mode " + mode);
                dflt = null;
            }
            if (dflt == null) {
                dflt = placeholders.computeIfAbsent(mode, m -> placeholder(m, backendNames, out));
            }
            for (TandemFile.Frontend fe : ft.frontends(frontendNames)) {
                fe.mode = mode;
                if (mode.equals("tcp")) {
                    tcpOnly(ft, fe);
                }
                if (upgraded != null) {
                    fe.origin += "; " + upgraded;
                }
                fe.defaultBackend = dflt.name;
                fe.timeouts
                        .entrySet()
                        .removeIf(e -> !FRONTEND_TIMEOUTS.contains(e.getKey())
                                || e.getValue().equals(out.defaultTimeouts.get(e.getKey())));
                routes(ft, fe, byHaproxyName);
                out.frontends.add(fe);
            }
        }
        out.backends.forEach(be -> be.timeouts.keySet().removeIf(FRONTEND_TIMEOUTS::contains));
    }

    /** What only http mode has (HAProxy ignores http rules in tcp mode too); ALPN is not offered in tcp mode. */
    private void tcpOnly(FrontendTranslator ft, TandemFile.Frontend fe) {
        httpOnly(ft.rules, ft.header(), "frontend");
        fe.requestHeaders.clear();
        fe.responseHeaders.clear();
        fe.errorPages.clear();
        fe.alpn = null;
        fe.alpnComment = null;
        if (fe.hsts != null) {
            ctx.notes.add(ft.hstsDirective, "hsts needs mode http; this frontend is in mode tcp");
            fe.hsts = null;
        }
        if (fe.redirectHttps) {
            ctx.notes.add(ft.redirect, "redirect_https needs mode http; this frontend is in mode tcp");
            fe.redirectHttps = false;
        }
    }

    /**
     * Notes the HTTP rules of a proxy in tcp mode (HAProxy ignores them there too), but for those
     * inherited from a defaults section (above the proxy's own line), which its http proxies take.
     */
    private void httpOnly(HttpRuleTranslator rules, Directive header, String kind) {
        for (Directive d : rules.directives()) {
            if (header == null || !d.file().equals(header.file()) || d.line() > header.line()) {
                ctx.notes.add(d, "HTTP rules and error pages need mode http; this " + kind + " is in mode tcp");
            }
        }
    }

    private void routes(FrontendTranslator ft, TandemFile.Frontend fe, Map<String, TandemFile.Backend> backends) {
        // HAProxy runs the http-request rules, then the redirect rules, then use_backend.
        List<HttpRuleTranslator.Action> actions = new ArrayList<>(ft.rules.actions);
        actions.sort((a, b) -> Boolean.compare(
                a.directive().keyword().equals("redirect"),
                b.directive().keyword().equals("redirect")));
        if (fe.mode.equals("http")) {
            for (HttpRuleTranslator.Action a : actions) {
                for (AclRoutes.Match m : a.matches()) {
                    fe.routes.add(new TandemFile.Route(
                            m,
                            null,
                            a.deny(),
                            a.location(),
                            a.code(),
                            a.stripQuery(),
                            a.directive().where()));
                }
            }
        }
        for (FrontendTranslator.Rule r : ft.useBackends) {
            TandemFile.Backend target = backends.get(r.backend());
            if (target == null) {
                ctx.notes.add(r.directive(), "backend '" + r.backend() + "' is not defined");
            } else if (!fe.mode.equals("http")) {
                ctx.notes.add(r.directive(), "routes need mode http; this frontend is in mode " + fe.mode);
            } else if (!target.mode.equals("http")) {
                ctx.notes.add(r.directive(), "backend '" + target.name + "' is in mode " + target.mode);
            } else {
                for (AclRoutes.Match m : r.matches()) {
                    fe.routes.add(new TandemFile.Route(
                            m,
                            target.name,
                            null,
                            null,
                            null,
                            false,
                            r.directive().where()));
                }
            }
        }
    }

    /** The mode as Tandem writes it: HAProxy's default is tcp; {@code health} and others are noted. */
    private String mode(String mode, Directive where) {
        if (mode == null || mode.equals("tcp")) {
            return "tcp";
        }
        if (!mode.equals("http") && where != null) {
            ctx.notes.add(where, "mode " + mode + " is not a Tandem mode; tcp instead");
            return "tcp";
        }
        return mode;
    }

    /** An empty backend for frontends HAProxy gave no default backend: both answer 503 (http) or close. */
    private static TandemFile.Backend placeholder(String mode, Set<String> names, TandemFile out) {
        TandemFile.Backend be = new TandemFile.Backend();
        be.name = Names.unique(mode.equals("http") ? "no-backend" : "no-backend-tcp", names);
        be.origin = "added: no backend was chosen in HAProxy; without servers, Tandem answers "
                + (mode.equals("http") ? "503" : "by closing") + " as HAProxy did";
        be.mode = mode;
        out.backends.add(be);
        return be;
    }
}
