/*
 * examples/bench/paced.c: a constant-rate HTTP/1.1 load generator for bench.sh's latency rows.
 *
 *   paced -c CONNS -t THREADS -R RATE -d SECONDS [-s SKIP] URL     (URL: http://127.0.0.1:PORT/PATH)
 *
 * Sends RATE requests per second in total, evenly spaced, over CONNS keep-alive connections
 * (one request at a time on each, as wrk), for SECONDS, and prints the latency percentiles.
 * Free of coordinated omission as wrk2 is: request k of a connection is due at a fixed time
 * (start + k * CONNS / RATE, the connections staggered by 1 / RATE), and its latency counts from
 * that due time, not from when it could be sent. A proxy that stalls for 50 ms therefore shows
 * 50 ms of latency on every request due in the stall, not on the one request that waited. When a
 * connection falls behind it sends its next request as soon as the previous answer is in.
 * Requests due in the first SKIP seconds (default 1: connection set-up) are not recorded.
 * Requests due before the end but not answered within 2 s after it are recorded with their
 * latency so far, and counted as "unanswered".
 *
 * Built by bench.sh with the system's C compiler (cc -O2 -pthread); Linux only (epoll_pwait2).
 * Responses need a Content-Length (chunked ones count as errors, the connection is reopened).
 * Output, one "key value" per line: rate (offered), achieved (answers per second that came in
 * during the recorded time: below the rate when the server falls behind), requests (recorded),
 * errors, unanswered, p50_ms, p90_ms, p99_ms, p99.9_ms, max_ms.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GRACE_NS 2000000000LL

struct conn {
    int fd;
    int64_t due;       /* when its next request is (or was) due */
    int64_t interval;  /* CONNS / RATE, in ns */
    int in_flight;     /* a request sent, its answer not complete */
    int64_t in_flight_due;
    char buf[16384];
    size_t len;
};

struct worker {
    struct conn *conns;
    int nconns;
    int64_t *lat; /* recorded latencies, ns */
    size_t nlat, caplat;
    long errors, unanswered;
    long served; /* answers that came in between the end of SKIP and the end of the run */
};

static struct sockaddr_in addr;
static char request[512];
static size_t request_len;
static int64_t t_start, t_record, t_end;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void record(struct worker *w, int64_t due, int64_t done) {
    if (done >= t_record && done <= t_end) w->served++;
    if (due < t_record) return;
    if (w->nlat == w->caplat) {
        w->caplat = w->caplat ? 2 * w->caplat : 65536;
        w->lat = realloc(w->lat, w->caplat * sizeof *w->lat);
        if (!w->lat) { perror("realloc"); exit(1); }
    }
    w->lat[w->nlat++] = done - due;
}

static int open_conn(int ep, struct conn *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    c->len = 0;
    c->in_flight = 0;
    return 0;
}

/* An error on a connection: its request (if any) failed; it is reopened and goes on. */
static void reopen(struct worker *w, int ep, struct conn *c) {
    w->errors++;
    if (c->fd >= 0) close(c->fd);
    if (c->in_flight) c->due += c->interval;
    open_conn(ep, c);
}

/* Whether buf holds a whole response; sets *used to its length. -1: not parseable (error). */
static int complete(const char *buf, size_t len, size_t *used) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return len >= sizeof(((struct conn *)0)->buf) ? -1 : 0;
    size_t head = (size_t)(end - buf) + 4;
    long body = -1;
    for (const char *p = buf; p < end; p++) {
        if ((p == buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) body = strtol(p + 15, NULL, 10);
        if ((p == buf || p[-1] == '\n') && strncasecmp(p, "transfer-encoding:", 18) == 0) return -1;
    }
    if (strncmp(buf, "HTTP/1.1 2", 10) != 0 && strncmp(buf, "HTTP/1.0 2", 10) != 0) return -1;
    if (body < 0) body = 0;
    if (len < head + (size_t)body) return 0;
    *used = head + (size_t)body;
    return 1;
}

static void *run(void *arg) {
    struct worker *w = arg;
    int ep = epoll_create1(0);
    for (int i = 0; i < w->nconns; i++) open_conn(ep, &w->conns[i]);
    struct epoll_event evs[256];
    for (;;) {
        int64_t now = now_ns();
        /* Send every request that is due on an idle connection; find the next due time. */
        int64_t next = t_end + GRACE_NS;
        int busy = 0;
        for (int i = 0; i < w->nconns; i++) {
            struct conn *c = &w->conns[i];
            if (c->fd < 0 && now < t_end) reopen(w, ep, c);
            if (c->in_flight) { busy = 1; continue; }
            if (c->due >= t_end) continue;
            if (c->due <= now) {
                if (c->fd < 0 || write(c->fd, request, request_len) != (ssize_t)request_len) {
                    reopen(w, ep, c);
                    continue;
                }
                c->in_flight = 1;
                c->in_flight_due = c->due;
                busy = 1;
            } else if (c->due < next) {
                next = c->due;
            }
        }
        if (now >= t_end && (!busy || now >= t_end + GRACE_NS)) break;
        if (now >= t_end) next = t_end + GRACE_NS;
        int64_t wait = next - now;
        if (wait < 0) wait = 0;
        struct timespec ts = {.tv_sec = wait / 1000000000LL, .tv_nsec = wait % 1000000000LL};
        int n = epoll_pwait2(ep, evs, 256, &ts, NULL);
        if (n < 0 && errno != EINTR) { perror("epoll_pwait2"); exit(1); }
        int64_t t = now_ns();
        for (int k = 0; k < n; k++) {
            struct conn *c = evs[k].data.ptr;
            ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (r <= 0) { reopen(w, ep, c); continue; }
            c->len += (size_t)r;
            size_t used;
            int done = complete(c->buf, c->len, &used);
            if (done < 0 || (done > 0 && !c->in_flight)) { reopen(w, ep, c); continue; }
            if (done == 0) continue;
            record(w, c->in_flight_due, t);
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            c->in_flight = 0;
            c->due += c->interval;
        }
    }
    /* What was due before the end and is not answered: its latency so far, a lower bound. */
    int64_t t = now_ns();
    for (int i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        for (int64_t due = c->due; due < t_end; due += c->interval) {
            if (due >= t_record) {
                record(w, due, t);
                w->unanswered++;
            }
        }
        if (c->fd >= 0) close(c->fd);
    }
    close(ep);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int conns = 64, threads = 2, opt;
    double rate = 0, secs = 10, skip = 1;
    while ((opt = getopt(argc, argv, "c:t:R:d:s:")) != -1) {
        switch (opt) {
            case 'c': conns = atoi(optarg); break;
            case 't': threads = atoi(optarg); break;
            case 'R': rate = atof(optarg); break;
            case 'd': secs = atof(optarg); break;
            case 's': skip = atof(optarg); break;
            default: goto usage;
        }
    }
    char host[64], path[256];
    int port;
    if (optind != argc - 1 || rate <= 0 || conns < 1 || threads < 1 || threads > conns || secs <= skip
        || sscanf(argv[optind], "http://%63[0-9.]:%d%255s", host, &port, path) != 3) {
    usage:
        fprintf(stderr, "usage: paced -c CONNS -t THREADS -R RATE -d SECONDS [-s SKIP] http://IPV4:PORT/PATH\n");
        return 2;
    }
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) goto usage;
    request_len = (size_t)snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", path, host, port);

    int64_t interval = (int64_t)(1e9 * conns / rate);
    t_start = now_ns() + 100000000LL; /* 100 ms to open the connections */
    t_record = t_start + (int64_t)(skip * 1e9);
    t_end = t_start + (int64_t)(secs * 1e9);
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    struct conn *cs = calloc((size_t)conns, sizeof *cs);
    for (int i = 0; i < conns; i++) {
        cs[i].interval = interval;
        cs[i].due = t_start + (int64_t)(1e9 * i / rate); /* evenly spaced over all connections */
        cs[i].fd = -1;
    }
    pthread_t tids[threads];
    for (int i = 0, first = 0; i < threads; i++) {
        int n = conns / threads + (i < conns % threads);
        ws[i].conns = cs + first;
        ws[i].nconns = n;
        first += n;
        pthread_create(&tids[i], NULL, run, &ws[i]);
    }
    size_t total = 0;
    long errors = 0, unanswered = 0, served = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        total += ws[i].nlat;
        errors += ws[i].errors;
        unanswered += ws[i].unanswered;
        served += ws[i].served;
    }
    int64_t *all = malloc((total ? total : 1) * sizeof *all);
    for (int i = 0, at = 0; i < threads; i++) {
        memcpy(all + at, ws[i].lat, ws[i].nlat * sizeof *all);
        at += (int)ws[i].nlat;
    }
    qsort(all, total, sizeof *all, cmp);
    printf("rate %.0f\nachieved %.1f\nrequests %zu\nerrors %ld\nunanswered %ld\n", rate,
           (double)served / (secs - skip), total, errors, unanswered);
    const double pct[] = {50, 90, 99, 99.9};
    const char *name[] = {"p50_ms", "p90_ms", "p99_ms", "p99.9_ms"};
    for (int i = 0; i < 4; i++) {
        size_t at = total ? (size_t)((pct[i] / 100.0) * (double)(total - 1) + 0.5) : 0;
        printf("%s %.3f\n", name[i], total ? all[at] / 1e6 : -1.0);
    }
    printf("max_ms %.3f\n", total ? all[total - 1] / 1e6 : -1.0);
    return 0;
}
