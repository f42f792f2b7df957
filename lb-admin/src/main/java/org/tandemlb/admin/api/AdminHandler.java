package org.tandemlb.admin.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandemlb.core.LoadBalancer;
import org.tandemlb.core.backend.AdminState;
import org.tandemlb.core.config.ServerConfig;

/**
 * The admin endpoints (docs/admin-api.md), one instance per connection:
 *
 * <ul>
 * <li>{@code GET /}: the status page; {@code GET /healthz}: 200 {@code ok} while the daemon
 * serves, 503 {@code stopping} during a graceful stop; {@code GET /metrics}: Prometheus text
 * 0.0.4; {@code GET /api/v1/status}: JSON ({@link StatusDocument}); {@code GET /api/v1/events}
 * and {@code GET /api/v1/history}: the engine's event log and traffic history
 * ({@link RecentDocuments}). HEAD works for each.</li>
 * <li>{@code POST /api/v1/backends/{backend}/servers/{server}} with {@code {"state": "drain"}}
 * and/or {@code {"weight": 50}}: 200 with the server's JSON; 400 for a body that is not exactly
 * that; 404 for an unknown backend or server.</li>
 * <li>{@code POST /api/v1/reload}: 200 {@code {"reloaded": true}}, 400 {@code {"errors": [...]}},
 * or 409 when the daemon has no config file (the demo).</li>
 * </ul>
 *
 * <p>A POST needs {@code Authorization: Bearer <token>} when {@code admin.token} is set (401
 * otherwise), and is refused (403) when a browser says it comes from another origin: without that,
 * any web page open on the operator's machine could drain servers of a token-less admin server on
 * 127.0.0.1 with a "simple" cross-site POST. GETs need nothing. An unknown path gets 404, a known
 * one with another method 405; errors are JSON {@code {"error": "..."}}.
 *
 * <p>Everything runs on the admin event loop except the mutations, which the daemon completes
 * later (a reload reads the file on the daemon's reload thread): the response is written when the
 * future completes, and the connection reads no further request meanwhile, so that pipelined
 * requests are answered in order.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    static final String STATUS = "/api/v1/status";
    static final String RELOAD = "/api/v1/reload";
    static final String EVENTS = "/api/v1/events";
    static final String HISTORY = "/api/v1/history";
    private static final String BACKENDS = "/api/v1/backends/";
    private static final String JSON_TYPE = "application/json";
    private static final String TEXT_TYPE = "text/plain; charset=utf-8";

    /** snake_case, as every name in the config file and the API. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** An answer, ready to be written. */
    record Reply(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {
        static Reply json(HttpResponseStatus status, Object value) {
            try {
                return new Reply(status, JSON_TYPE, JSON.writeValueAsBytes(value), Map.of());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(
                        "cannot write " + value.getClass().getSimpleName() + " as JSON", e);
            }
        }

        static Reply error(HttpResponseStatus status, String message) {
            return json(status, Map.of("error", message));
        }

        static Reply text(HttpResponseStatus status, String text) {
            return new Reply(status, TEXT_TYPE, text.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        Reply with(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Reply(status, contentType, body, h);
        }
    }

    /** A request whose body is not what the endpoint takes: 400 with this message. */
    private static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private final AdminTarget daemon;
    private final AdminMetrics metrics;
    /** Requests that arrived while a mutation was under way, answered in order after it. */
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();

    private boolean busy;

    AdminHandler(AdminTarget daemon, AdminMetrics metrics) {
        super(false); // requests are released once answered, possibly later
        this.daemon = daemon;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (busy) {
            waiting.add(request);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        serve(ctx, request);
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        CompletableFuture<Reply> reply;
        try {
            reply = answer(ctx, request);
        } catch (RuntimeException e) {
            log.error("admin API: {} {} failed", request.method(), request.uri(), e);
            reply = CompletableFuture.completedFuture(
                    Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e));
        }
        if (reply.isDone()) {
            write(ctx, request, reply.join());
            return;
        }
        busy = true;
        reply.whenComplete((r, e) -> runOnLoop(ctx, request, () -> {
            Reply done = r;
            if (e != null) {
                log.error("admin API: {} {} failed", request.method(), request.uri(), e);
                done = Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
            }
            busy = false;
            write(ctx, request, done);
            while (!busy && !waiting.isEmpty()) {
                serve(ctx, waiting.poll());
            }
            if (!busy) {
                ctx.channel().config().setAutoRead(true);
            }
        }));
    }

    /** Runs {@code task} on the connection's event loop; once that is shut down, drops the request. */
    private static void runOnLoop(ChannelHandlerContext ctx, FullHttpRequest request, Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            request.release(); // the admin server is closing: nobody is left to answer
        }
    }

    private CompletableFuture<Reply> answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            return done(Reply.error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request"));
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        switch (path) {
            case "/" -> {
                return get ? done(StatusPage.reply()) : done(notAllowed(method, path, "GET, HEAD"));
            }
            case "/healthz" -> {
                if (!get) {
                    return done(notAllowed(method, path, "GET, HEAD"));
                }
                return done(
                        daemon.serving()
                                ? Reply.text(HttpResponseStatus.OK, "ok\n")
                                : Reply.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "stopping\n"));
            }
            case "/metrics" -> {
                return get
                        ? done(new Reply(
                                HttpResponseStatus.OK,
                                AdminMetrics.CONTENT_TYPE,
                                metrics.scrape().getBytes(StandardCharsets.UTF_8),
                                Map.of()))
                        : done(notAllowed(method, path, "GET, HEAD"));
            }
            case STATUS -> {
                return get ? done(status()) : done(notAllowed(method, path, "GET, HEAD"));
            }
            case EVENTS, HISTORY -> {
                return get ? done(recent(path, uri)) : done(notAllowed(method, path, "GET, HEAD"));
            }
            case RELOAD -> {
                if (!method.equals(HttpMethod.POST)) {
                    return done(notAllowed(method, path, "POST"));
                }
                Reply refused = refuse(request);
                return refused != null ? done(refused) : reload(ctx);
            }
            default -> {
                String[] names = serverPath(path);
                if (names == null) {
                    return done(Reply.error(
                            HttpResponseStatus.NOT_FOUND,
                            "no such endpoint: " + path
                                    + " (see GET " + STATUS + ", GET " + EVENTS + ", GET " + HISTORY + ", POST "
                                    + BACKENDS
                                    + "{backend}/servers/{server}, POST " + RELOAD
                                    + ", GET /metrics, GET /healthz, GET /)"));
                }
                if (!method.equals(HttpMethod.POST)) {
                    return done(notAllowed(method, path, "POST"));
                }
                Reply refused = refuse(request);
                return refused != null ? done(refused) : changeServer(ctx, request, names[0], names[1]);
            }
        }
    }

    private static CompletableFuture<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    private static Reply notAllowed(HttpMethod method, String path, String allow) {
        return Reply.error(
                        HttpResponseStatus.METHOD_NOT_ALLOWED,
                        method + " is not allowed on " + path + " (" + allow + ")")
                .with(HttpHeaderNames.ALLOW.toString(), allow);
    }

    private Reply status() {
        LoadBalancer lb = daemon.loadBalancer();
        return Reply.json(HttpResponseStatus.OK, StatusDocument.of(daemon.node(), daemon.cluster(), lb));
    }

    /** The events or the history, as the query asks. */
    private Reply recent(String path, QueryStringDecoder uri) {
        LoadBalancer lb = daemon.loadBalancer();
        try {
            return Reply.json(
                    HttpResponseStatus.OK,
                    path.equals(EVENTS)
                            ? RecentDocuments.events(lb.events(), uri.parameters())
                            : RecentDocuments.history(lb.history(), uri.parameters()));
        } catch (RecentDocuments.BadQuery e) {
            return Reply.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        } catch (UnknownNameException e) {
            return Reply.error(HttpResponseStatus.NOT_FOUND, e.getMessage());
        }
    }

    /** {@code {backend, server}} of {@code /api/v1/backends/{backend}/servers/{server}}, or null. */
    static String[] serverPath(String path) {
        if (!path.startsWith(BACKENDS)) {
            return null;
        }
        String[] parts = path.substring(BACKENDS.length()).split("/", -1);
        if (parts.length != 3 || !parts[1].equals("servers") || parts[0].isEmpty() || parts[2].isEmpty()) {
            return null;
        }
        return new String[] {parts[0], parts[2]};
    }

    /**
     * Why a mutation is refused before it is looked at: 401 without the token when one is set,
     * 403 from a page of another origin; null when it may go on.
     */
    private Reply refuse(FullHttpRequest request) {
        HttpHeaders h = request.headers();
        String token = daemon.adminToken();
        if (!token.isEmpty() && !bearerMatches(h.get(HttpHeaderNames.AUTHORIZATION), token)) {
            return Reply.error(
                            HttpResponseStatus.UNAUTHORIZED,
                            h.contains(HttpHeaderNames.AUTHORIZATION)
                                    ? "wrong token"
                                    : "this call needs the admin token: Authorization: Bearer <admin.token>")
                    .with(HttpHeaderNames.WWW_AUTHENTICATE.toString(), "Bearer realm=\"tandem\"");
        }
        String origin = h.get(HttpHeaderNames.ORIGIN);
        if (origin != null) {
            String host = h.get(HttpHeaderNames.HOST);
            boolean same = host != null
                    && (origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host));
            if (!same) {
                return Reply.error(
                        HttpResponseStatus.FORBIDDEN,
                        "refused: a page from " + origin + " cannot change this load balancer");
            }
        }
        return null;
    }

    /** Whether {@code authorization} is {@code Bearer <token>}, compared in constant time. */
    static boolean bearerMatches(String authorization, String token) {
        String scheme = "Bearer ";
        if (authorization == null || !authorization.regionMatches(true, 0, scheme, 0, scheme.length())) {
            return false;
        }
        byte[] given = authorization.substring(scheme.length()).trim().getBytes(StandardCharsets.UTF_8);
        // The time taken depends on the length of the expected token only, never on where they differ.
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), given);
    }

    private CompletableFuture<Reply> reload(ChannelHandlerContext ctx) {
        if (!daemon.reloadable()) {
            return done(Reply.error(
                    HttpResponseStatus.CONFLICT,
                    "this tandem was not started from a config file (tandem demo): there is nothing to reload"));
        }
        String who = remote(ctx);
        return daemon.requestReload().thenApply(result -> {
            if (result.applied()) {
                log.info("admin API, from {}: reload applied", who);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("reloaded", true);
                if (!result.restart().isEmpty()) {
                    body.put("restart_needed", result.restart());
                }
                return Reply.json(HttpResponseStatus.OK, body);
            }
            log.info("admin API, from {}: reload refused", who);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("reloaded", false);
            body.put("errors", result.errors());
            return Reply.json(HttpResponseStatus.BAD_REQUEST, body);
        });
    }

    private CompletableFuture<Reply> changeServer(
            ChannelHandlerContext ctx, FullHttpRequest request, String backend, String server) {
        AdminState state = null;
        Integer weight = null;
        try {
            JsonNode body = parse(request);
            for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!field.equals("state") && !field.equals("weight")) {
                    throw new BadRequest("unknown field '" + field + "': the body sets state and/or weight");
                }
            }
            JsonNode s = body.get("state");
            if (s != null) {
                try {
                    state = AdminState.parse(s.isTextual() ? s.textValue() : s.toString());
                } catch (IllegalArgumentException e) {
                    throw new BadRequest("state must be \"ready\", \"drain\" or \"maint\", not " + s);
                }
            }
            JsonNode w = body.get("weight");
            if (w != null) {
                if (!w.isIntegralNumber()
                        || !w.canConvertToInt()
                        || w.intValue() < 0
                        || w.intValue() > ServerConfig.MAX_WEIGHT) {
                    throw new BadRequest(
                            "weight must be a whole number from 0 to " + ServerConfig.MAX_WEIGHT + ", not " + w);
                }
                weight = w.intValue();
            }
            if (state == null && weight == null) {
                throw new BadRequest("the body sets state and/or weight, e.g. {\"state\": \"drain\"}");
            }
        } catch (BadRequest e) {
            return done(Reply.error(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
        }
        String change = (state == null ? "" : "state " + state.apiName())
                + (state != null && weight != null ? ", " : "")
                + (weight == null ? "" : "weight " + weight);
        String who = remote(ctx);
        return daemon.changeServer(backend, server, state, weight).handle((changed, e) -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause == null) {
                log.info("admin API, from {}: server {}/{}: {}", who, backend, server, change);
                return Reply.json(HttpResponseStatus.OK, StatusDocument.ServerJson.of(changed));
            }
            if (cause instanceof UnknownNameException unknown) {
                return Reply.error(HttpResponseStatus.NOT_FOUND, unknown.getMessage());
            }
            if (cause instanceof IllegalArgumentException bad) {
                return Reply.error(HttpResponseStatus.BAD_REQUEST, bad.getMessage());
            }
            throw new CompletionException(cause);
        });
    }

    /** The body as a JSON object. */
    private static JsonNode parse(FullHttpRequest request) throws BadRequest {
        byte[] bytes = ByteBufUtil.getBytes(request.content());
        if (bytes.length == 0) {
            throw new BadRequest("empty body: send {\"state\": \"drain\"} and/or {\"weight\": 50}");
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new BadRequest("the body is not valid JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequest("the body must be a JSON object such as {\"state\": \"drain\"}");
        }
        return node;
    }

    private static String remote(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getHostString() : "?";
    }

    private void write(ChannelHandlerContext ctx, FullHttpRequest request, Reply reply) {
        // After a malformed request the decoder has lost track of where the next one starts.
        boolean keepAlive =
                HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        request.release();
        FullHttpResponse response = new DefaultFullHttpResponse(
                request.protocolVersion(), reply.status(), Unpooled.wrappedBuffer(reply.body()));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Content-Type-Options", "nosniff");
        reply.headers().forEach(h::set);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        waiting.forEach(FullHttpRequest::release);
        waiting.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection from {} closed: {}", remote(ctx), cause.toString());
        ctx.close();
    }
}
