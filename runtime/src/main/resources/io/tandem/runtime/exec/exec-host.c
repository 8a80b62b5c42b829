/*
 * exec-host: Tandem's native host for the exec runtime, a drop-in replacement for
 * `java io.tandem.runtime.Main exec` (docs/instance-protocol.md, "The exec runtime's native host").
 *
 *     cc -std=gnu11 -O2 -pthread -o exec-host exec-host.c
 *     PORT=0 exec-host exec   (the instance's secret as the first line of standard input)
 *
 * One process per request, as OpenFaaS's classic watchdog: the request body goes to the process's stdin, its
 * stdout comes back as the 200 body, a non-zero exit is a 500 with its stderr, a process past the function's
 * timeout is killed with all it started and answered 504. Besides invocations the host serves /_/health (with
 * lease grants), /_/specialize and the control line, exactly as the JVM runtime does. Only libc and pthreads.
 *
 * Design.
 *
 * Threads. The main thread accepts HTTP connections and starts one detached thread per connection, which reads
 * a request, answers it and reads the next until the connection closes; an invocation runs entirely on its
 * connection's thread, so /_/health is answered by a thread of its own however busy the calls are. The thread
 * spawns the function's process (posix_spawn: a vfork-based clone in glibc) and then multiplexes with poll() the
 * request body (socket -> process stdin), the process's stdout (-> the response), its stderr (-> the host's stderr
 * and the 500 body), a pidfd that tells the process's exit, and the function's deadline. No other thread touches
 * an invocation's pipes, buffers or process. One thread accepts control-line connections and starts a thread per
 * connection (at most 8); one thread waits for SIGTERM/SIGINT (blocked in every other thread).
 *
 * Shared state, each behind its own mutex, held only for a few loads and stores:
 *  - `instance`: generic -> loading -> serving | failed (and loading -> generic when a specialization fails).
 *    /_/specialize moves generic -> loading under the lock, so of two concurrent requests only one wins; a serving
 *    instance's function_t is immutable and never freed, so invocations use it after unlocking.
 *  - `lease`: the newest grant (epoch, monotonic deadline); renewals from HTTP and the control line, checks by
 *    every invocation. Wall-clock issue times only shorten a grant (a grant read late grants what is left of it).
 *  - `children`: the processes running now, so SIGTERM can kill their process groups. A process is removed from it
 *    only right before it is reaped, so its pid (and process group id) cannot be reused while it is listed.
 *
 * Processes. Each runs in a process group of its own (POSIX_SPAWN_SETPGROUP), with the host's signal mask cleared
 * and SIGPIPE back to its default. At the deadline the host collects the process's descendants from /proc, kills
 * its group, then each descendant that left the group (as Java's ProcessHandle.descendants() does). The exit is
 * learnt without reaping (waitid WNOWAIT or the pidfd): the zombie keeps the pid and group id reserved until the
 * invocation is over, so no kill can hit a stranger. Every descriptor is opened close-on-exec; the child gets the
 * three pipes and nothing else. The secret lives only in this process's memory, never in a child's environment.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
    SECRET_MAX = 256,
    IN_BUFFER = 16 * 1024,
    MAX_LINE = 16 * 1024,          /* request line or header line; longer: 414 / 431 */
    MAX_HEADERS = 64 * 1024,       /* all header lines; more: 431 */
    DRAIN_LIMIT = 256 * 1024,      /* unread request body dropped to keep a connection */
    IDLE_MS = 120000,              /* the router closes idle connections after 60 s */
    MAX_CONNECTIONS = 4096,
    HELD_BACK = 64 * 1024,         /* stdout kept before the 200 is committed */
    STDERR_KEPT = 64 * 1024,
    OUT_QUEUE_MAX = 256 * 1024,    /* response bytes queued before stdout is no longer read */
    SPECIALIZE_BODY_MAX = 16 * 1024 * 1024,
    KILL_GRACE_MS = 1000,          /* after a kill, how long pipes held by escaped processes are waited for */
    CONTROL_MAX_CONNECTIONS = 8,
    CONTROL_HELLO_MS = 2000,
    CONTROL_IDLE_MS = 10 * 60000,
    CONTROL_MAX_LINE = 512,
    STACK_SIZE = 256 * 1024,
};
static const long long DEFAULT_TIMEOUT_MS = 60000;
static const char TEXT_PLAIN[] = "text/plain; charset=utf-8";
static const char APPLICATION_JSON[] = "application/json";

/* ------------------------------------------------------------------------------------------------ utilities */

static void out_of_memory(void) {
    static const char message[] = "tandem-runtime: out of memory\n";
    ssize_t ignored = write(2, message, sizeof message - 1);
    (void) ignored;
    abort();
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory();
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) out_of_memory();
    return p;
}

static char *xstrndup(const char *s, size_t n) {
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static char *xstrdup(const char *s) {
    return xstrndup(s, strlen(s));
}

/** A growable byte buffer, always NUL-terminated. */
typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t more) {
    if (b->len + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static void buf_add(buf_t *b, const void *data, size_t n) {
    buf_reserve(b, n);
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_str(buf_t *b, const char *s) {
    buf_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void buf_printf(buf_t *b, const char *format, ...) {
    va_list args;
    char probe[1];
    va_start(args, format);
    int n = vsnprintf(probe, sizeof probe, format, args);
    va_end(args);
    if (n <= 0) return;
    buf_reserve(b, (size_t) n);
    va_start(args, format);
    vsnprintf(b->p + b->len, (size_t) n + 1, format, args);
    va_end(args);
    b->len += (size_t) n;
}

static void buf_free(buf_t *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/** A JSON string literal, escaped as Jackson writes it (UTF-8 passes through). */
static void buf_json(buf_t *b, const char *s) {
    buf_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        switch (*p) {
            case '"': buf_str(b, "\\\""); break;
            case '\\': buf_str(b, "\\\\"); break;
            case '\n': buf_str(b, "\\n"); break;
            case '\r': buf_str(b, "\\r"); break;
            case '\t': buf_str(b, "\\t"); break;
            case '\b': buf_str(b, "\\b"); break;
            case '\f': buf_str(b, "\\f"); break;
            default:
                if (*p < 0x20) buf_printf(b, "\\u%04X", *p);
                else buf_add(b, p, 1);
        }
    }
    buf_add(b, "\"", 1);
}

static bool write_all(int fd, const char *data, size_t n) {
    while (n > 0) {
        ssize_t w = fd == 2 ? write(fd, data, n) : send(fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += w;
        n -= (size_t) w;
    }
    return true;
}

/** One line on the host's stderr (the instance's log), written at once so lines of threads do not mix. */
__attribute__((format(printf, 1, 2))) static void log_line(const char *format, ...) {
    buf_t b = {0};
    va_list args;
    char probe[1];
    va_start(args, format);
    int n = vsnprintf(probe, sizeof probe, format, args);
    va_end(args);
    if (n > 0) {
        buf_reserve(&b, (size_t) n + 1);
        va_start(args, format);
        vsnprintf(b.p, (size_t) n + 1, format, args);
        va_end(args);
        b.len = (size_t) n;
    }
    buf_add(&b, "\n", 1);
    write_all(2, b.p, b.len);
    buf_free(&b);
}

static int64_t clock_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t monotonic_ns(void) {
    return clock_ns(CLOCK_MONOTONIC);
}

static long long wall_ms(void) {
    return clock_ns(CLOCK_REALTIME) / 1000000;
}

/** Java's Character.isWhitespace for the bytes a header or line can hold: what String.strip() removes. */
static bool java_space(unsigned char c) {
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
}

static void strip(const char **s, size_t *n) {
    while (*n > 0 && java_space((unsigned char) (*s)[0])) (*s)++, (*n)--;
    while (*n > 0 && java_space((unsigned char) (*s)[*n - 1])) (*n)--;
}

static bool blank(const char *s) {
    if (!s) return true;
    size_t n = strlen(s);
    strip(&s, &n);
    return n == 0;
}

/** Java's Long.parseLong: an optional sign and decimal digits, within range. */
static bool parse_long(const char *s, size_t n, long long *out) {
    size_t i = 0;
    bool negative = false;
    if (n == 0) return false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        if (++i == n) return false;
    }
    unsigned long long limit = negative ? (unsigned long long) LLONG_MAX + 1 : (unsigned long long) LLONG_MAX;
    unsigned long long value = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned digit = (unsigned) (s[i] - '0');
        if (value > (limit - digit) / 10) return false;
        value = value * 10 + digit;
    }
    *out = negative ? (long long) (0 - value) : (long long) value;
    return true;
}

static bool parse_long_text(const char *s, long long *out) {
    return s && parse_long(s, strlen(s), out);
}

/** Java's String.trim() then Long.parseLong, as the runtime reads its numeric variables. */
static bool parse_trimmed_long(const char *s, long long *out) {
    size_t n = strlen(s);
    while (n > 0 && (unsigned char) s[0] <= ' ') s++, n--;
    while (n > 0 && (unsigned char) s[n - 1] <= ' ') n--;
    return parse_long(s, n, out);
}

/** A version-4 UUID: a request id only has to be unique. */
static void random_uuid(char out[37]) {
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n <= 0) {
            uint64_t x = (uint64_t) monotonic_ns() ^ ((uint64_t) pthread_self() << 17);
            for (; got < sizeof r; got++, x = x * 6364136223846793005u + 1442695040888963407u) r[got] = (unsigned char) (x >> 33);
            break;
        }
        got += (size_t) n;
    }
    r[6] = (unsigned char) ((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char) ((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
             r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/** Java's List.toString of a NULL-terminated argv: [a, b]. */
static void buf_list(buf_t *b, char *const *argv) {
    buf_add(b, "[", 1);
    for (size_t i = 0; argv[i]; i++) {
        if (i) buf_str(b, ", ");
        buf_str(b, argv[i]);
    }
    buf_add(b, "]", 1);
}

/* ------------------------------------------------------------------------------------------------ the secret */

static unsigned char secret[SECRET_MAX * 2 + 1];
static size_t secret_length;

/** Whether `presented` (stripped) is the secret, in time that does not depend on how much of it matches. */
static bool secret_admits(const char *presented, size_t n) {
    if (!presented) return false;
    strip(&presented, &n);
    unsigned diff = n != secret_length;
    for (size_t i = 0; i < secret_length; i++) diff |= secret[i] ^ (i < n ? (unsigned char) presented[i] : 0u);
    return diff == 0;
}

/** Reads the first line of stdin byte by byte, so nothing past it is consumed; NULL or an error message. */
static const char *read_secret(void) {
    char line[SECRET_MAX + 2];
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(0, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || c == '\n') break;
        if (n > SECRET_MAX) return "the first line of standard input is longer than an instance secret";
        line[n++] = c;
    }
    const char *s = line;
    strip(&s, &n);
    if (n == 0) {
        return "no instance secret on standard input: an agent starts instances and writes their secret as the first line of standard input"
               " (see docs/instance-protocol.md)";
    }
    if (n > SECRET_MAX) return "the instance secret is longer than 256 characters";
    /* Java decodes the line byte by byte (ISO-8859-1) and compares UTF-8 bytes; header values are decoded the
     * same way, so comparing the raw bytes is the same test. */
    memcpy(secret, s, n);
    secret_length = n;
    return NULL;
}

/* ------------------------------------------------------------------------------------------------ the lease */

static struct {
    pthread_mutex_t lock;
    bool granted;
    long long epoch;
    int64_t until_ns;
} lease = {.lock = PTHREAD_MUTEX_INITIALIZER};

/** What is left at `now` of a grant of `millis` issued at `issued` (wall clock ms); 0 when none. Java's long arithmetic. */
static long long lease_remaining(long long issued, long long millis, long long now) {
    long long left = (long long) ((unsigned long long) issued + (unsigned long long) millis - (unsigned long long) now);
    long long m = millis < left ? millis : left;
    return m > 0 ? m : 0;
}

/** Grants or renews; false (and nothing changes) when a newer epoch is held. A grant with nothing left changes nothing. */
static bool lease_renew(long long epoch, long long millis, long long issued, long long now) {
    long long left = lease_remaining(issued, millis, now);
    if (left <= 0) return true;
    int64_t until = (int64_t) ((uint64_t) monotonic_ns() + (uint64_t) left * 1000000u);
    pthread_mutex_lock(&lease.lock);
    bool ok = !(lease.granted && epoch < lease.epoch);
    if (ok) {
        lease.granted = true;
        lease.epoch = epoch;
        lease.until_ns = until;
    }
    pthread_mutex_unlock(&lease.lock);
    return ok;
}

static long long lease_epoch(void) {
    pthread_mutex_lock(&lease.lock);
    long long epoch = lease.granted ? lease.epoch : 0;
    pthread_mutex_unlock(&lease.lock);
    return epoch;
}

/** Why a request naming `request_epoch` (NULL: none) must not be served, as a malloc'd text; NULL when it may. */
static char *lease_refusal(const char *request_epoch) {
    pthread_mutex_lock(&lease.lock);
    bool granted = lease.granted;
    long long epoch = lease.epoch;
    int64_t until = lease.until_ns;
    pthread_mutex_unlock(&lease.lock);
    buf_t b = {0};
    if (!granted) {
        if (request_epoch) buf_printf(&b, "the request is for epoch %s but this instance holds no lease yet", request_epoch);
        return b.p;
    }
    char held[32];
    snprintf(held, sizeof held, "%lld", epoch);
    if (request_epoch && strcmp(request_epoch, held) != 0) {
        buf_printf(&b, "the request is for epoch %s but this instance holds epoch %lld", request_epoch, epoch);
        return b.p;
    }
    int64_t overdue = (int64_t) ((uint64_t) monotonic_ns() - (uint64_t) until);
    if (overdue > 0) {
        buf_printf(&b, "the lease of epoch %lld ran out %lld ms ago; another instance may be active", epoch, (long long) (overdue / 1000000));
    }
    return b.p;
}

/* ------------------------------------------------------------------------------------------------ JSON (reading) */

enum json_type { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

typedef struct json {
    enum json_type type;
    char *text;          /* string (may hold NUL: see length), number literal, or "true"/"false" */
    size_t length;
    char *key;           /* as a member of an object */
    struct json *first;  /* array items or object members */
    struct json *next;
} json;

typedef struct {
    const char *p, *end;
    int depth;
    char error[200];
} json_parser;

static void json_free(json *v) {
    while (v) {
        json *next = v->next;
        json_free(v->first);
        free(v->text);
        free(v->key);
        free(v);
        v = next;
    }
}

static void json_skip_space(json_parser *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static bool json_fail(json_parser *j, const char *what) {
    if (!j->error[0]) {
        if (j->p >= j->end) {
            snprintf(j->error, sizeof j->error, "Unexpected end-of-input %s", what);
        } else {
            unsigned char c = (unsigned char) *j->p;
            snprintf(j->error, sizeof j->error, "Unexpected character ('%c' (code %u)): %s", c >= 0x20 && c < 0x7f ? c : '?', c, what);
        }
    }
    return false;
}

static int hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void utf8_add(buf_t *b, unsigned cp) {
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) u[0] = (unsigned char) cp, n = 1;
    else if (cp < 0x800) u[0] = (unsigned char) (0xc0 | cp >> 6), u[1] = (unsigned char) (0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000) u[0] = (unsigned char) (0xe0 | cp >> 12), u[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f)), u[2] = (unsigned char) (0x80 | (cp & 0x3f)), n = 3;
    else u[0] = (unsigned char) (0xf0 | cp >> 18), u[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f)), u[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f)),
         u[3] = (unsigned char) (0x80 | (cp & 0x3f)), n = 4;
    buf_add(b, u, n);
}

static bool json_hex4(json_parser *j, unsigned *out) {
    if (j->end - j->p < 4) return json_fail(j, "in a \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value((unsigned char) j->p[i]);
        if (h < 0) return json_fail(j, "expected a hex digit in a \\u escape");
        v = v * 16 + (unsigned) h;
    }
    j->p += 4;
    *out = v;
    return true;
}

/** A string after its opening quote. */
static bool json_string(json_parser *j, buf_t *b) {
    b->len = 0;
    buf_reserve(b, 0);
    b->p[0] = 0;
    while (j->p < j->end) {
        unsigned char c = (unsigned char) *j->p++;
        if (c == '"') return true;
        if (c < 0x20) {
            j->p--;
            return json_fail(j, "has to be escaped using backslash to be included in string value");
        }
        if (c != '\\') {
            buf_add(b, &c, 1);
            continue;
        }
        if (j->p >= j->end) break;
        char e = *j->p++;
        switch (e) {
            case '"': case '\\': case '/': buf_add(b, &e, 1); break;
            case 'b': buf_add(b, "\b", 1); break;
            case 'f': buf_add(b, "\f", 1); break;
            case 'n': buf_add(b, "\n", 1); break;
            case 'r': buf_add(b, "\r", 1); break;
            case 't': buf_add(b, "\t", 1); break;
            case 'u': {
                unsigned cp;
                if (!json_hex4(j, &cp)) return false;
                if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
                    const char *save = j->p;
                    unsigned low;
                    j->p += 2;
                    if (json_hex4(j, &low) && low >= 0xdc00 && low < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    else j->p = save, j->error[0] = 0;
                }
                utf8_add(b, cp);
                break;
            }
            default:
                j->p--;
                return json_fail(j, "Unrecognized character escape");
        }
    }
    return json_fail(j, "in a String value");
}

static json *json_value(json_parser *j);

static json *json_new(enum json_type type) {
    json *v = xmalloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->type = type;
    return v;
}

static json *json_container(json_parser *j, bool object) {
    json *v = json_new(object ? J_OBJECT : J_ARRAY);
    json **tail = &v->first;
    char close = object ? '}' : ']';
    j->p++;
    json_skip_space(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return v;
    }
    buf_t key = {0};
    for (;;) {
        json_skip_space(j);
        if (object) {
            if (j->p >= j->end || *j->p != '"') {
                json_fail(j, "was expecting double-quote to start field name");
                goto fail;
            }
            j->p++;
            if (!json_string(j, &key)) goto fail;
            json_skip_space(j);
            if (j->p >= j->end || *j->p != ':') {
                json_fail(j, "was expecting a colon to separate field name and value");
                goto fail;
            }
            j->p++;
        }
        json *item = json_value(j);
        if (!item) goto fail;
        if (object) item->key = xstrndup(key.p, key.len);
        *tail = item;
        tail = &item->next;
        json_skip_space(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            buf_free(&key);
            return v;
        }
        json_fail(j, object ? "was expecting comma to separate Object entries" : "was expecting comma to separate Array entries");
        goto fail;
    }
fail:
    buf_free(&key);
    json_free(v);
    return NULL;
}

static json *json_literal(json_parser *j, const char *word, enum json_type type) {
    size_t n = strlen(word);
    if ((size_t) (j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
        json_fail(j, "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
        return NULL;
    }
    j->p += n;
    json *v = json_new(type);
    if (type == J_BOOL) v->text = xstrdup(word), v->length = n;
    return v;
}

static json *json_number(json_parser *j) {
    const char *start = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end || !isdigit((unsigned char) *j->p)) {
        json_fail(j, "expected digit (0-9) to follow minus sign, for valid numeric value");
        return NULL;
    }
    if (*j->p == '0') j->p++;
    else while (j->p < j->end && isdigit((unsigned char) *j->p)) j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || !isdigit((unsigned char) *j->p)) {
            json_fail(j, "Decimal point not followed by a digit");
            return NULL;
        }
        while (j->p < j->end && isdigit((unsigned char) *j->p)) j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || !isdigit((unsigned char) *j->p)) {
            json_fail(j, "Exponent indicator not followed by a digit");
            return NULL;
        }
        while (j->p < j->end && isdigit((unsigned char) *j->p)) j->p++;
    }
    json *v = json_new(J_NUMBER);
    v->text = xstrndup(start, (size_t) (j->p - start));
    v->length = (size_t) (j->p - start);
    return v;
}

static json *json_value(json_parser *j) {
    json_skip_space(j);
    if (j->p >= j->end) {
        json_fail(j, "expected a value");
        return NULL;
    }
    if (++j->depth > 64) {
        snprintf(j->error, sizeof j->error, "Document nesting depth exceeds the maximum allowed (64)");
        return NULL;
    }
    json *v;
    switch (*j->p) {
        case '{': v = json_container(j, true); break;
        case '[': v = json_container(j, false); break;
        case '"': {
            buf_t b = {0};
            j->p++;
            if (!json_string(j, &b)) {
                buf_free(&b);
                v = NULL;
                break;
            }
            v = json_new(J_STRING);
            v->text = b.p;
            v->length = b.len;
            break;
        }
        case 't': v = json_literal(j, "true", J_BOOL); break;
        case 'f': v = json_literal(j, "false", J_BOOL); break;
        case 'n': v = json_literal(j, "null", J_NULL); break;
        default:
            v = *j->p == '-' || isdigit((unsigned char) *j->p) ? json_number(j)
                    : json_literal(j, "\x01", J_NULL); /* fails with Jackson's "Unexpected character" */
    }
    j->depth--;
    return v;
}

/** Parses a document; trailing content is ignored, as Jackson's readValue does. NULL with `error` set on failure. */
static json *json_parse(const char *text, size_t n, char *error, size_t error_size) {
    json_parser j = {.p = text, .end = text + n};
    json_skip_space(&j);
    if (j.p >= j.end) {
        snprintf(error, error_size, "No content to map due to end-of-input");
        return NULL;
    }
    json *v = json_value(&j);
    if (!v) snprintf(error, error_size, "%s", j.error[0] ? j.error : "malformed JSON");
    return v;
}

static const char *json_kind(const json *v) {
    switch (v->type) {
        case J_ARRAY: return "Array value";
        case J_OBJECT: return "Object value";
        default: return "value";
    }
}

/* ------------------------------------------------------------------------------------------------ specializations */

/** What an instance is to serve: the body of /_/specialize or the TANDEM_* variables. */
typedef struct {
    char *function;
    char *code;            /* NULL: none */
    char **command;        /* NULL-terminated; empty: none */
    long long timeout_ms;
    char **env;            /* NAME=VALUE, NULL-terminated: the function's own variables */
} spec_t;

static void free_strings(char **list) {
    if (!list) return;
    for (size_t i = 0; list[i]; i++) free(list[i]);
    free(list);
}

static void spec_free(spec_t *s) {
    free(s->function);
    free(s->code);
    free_strings(s->command);
    free_strings(s->env);
    memset(s, 0, sizeof *s);
}

static size_t count_strings(char *const *list) {
    size_t n = 0;
    while (list && list[n]) n++;
    return n;
}

/** A scalar as Jackson coerces it to a String; false for arrays, objects, and strings holding NUL (no C string can). */
static bool json_scalar_text(const json *v, char **out) {
    if (v->type == J_NULL) {
        *out = NULL;
        return true;
    }
    if (v->type == J_ARRAY || v->type == J_OBJECT) return false;
    if (strlen(v->text) != v->length) return false;
    *out = xstrdup(v->text);
    return true;
}

/** A whole number as Jackson reads a Long: integers, floats truncated, numeric strings; NULL and "" give `absent`. */
static bool json_long(const json *v, long long absent, long long *out) {
    if (v->type == J_NULL || (v->type == J_STRING && v->length == 0)) {
        *out = absent;
        return true;
    }
    if (v->type != J_NUMBER && v->type != J_STRING) return false;
    if (parse_long_text(v->text, out)) return true;
    char *end;
    errno = 0;
    double d = strtod(v->text, &end);
    if (*end || errno || d != d || d >= 9.3e18 || d <= -9.3e18) return false;
    *out = (long long) d;
    return true;
}

static char **strings_new(size_t n) {
    char **list = xmalloc((n + 1) * sizeof *list);
    memset(list, 0, (n + 1) * sizeof *list);
    return list;
}

/** The specialization a /_/specialize body asks for; false with `error` for a body that does not read as one. */
static bool spec_from_json(const char *body, size_t n, spec_t *s, char *error, size_t error_size) {
    memset(s, 0, sizeof *s);
    s->timeout_ms = DEFAULT_TIMEOUT_MS;
    json *root = json_parse(body, n, error, error_size);
    if (!root) return false;
    bool ok = true;
    if (root->type == J_NULL) goto done;
    if (root->type != J_OBJECT) {
        snprintf(error, error_size, "Cannot deserialize a specialization from %s", json_kind(root));
        ok = false;
        goto done;
    }
    for (json *m = root->first; m && ok; m = m->next) {
        char *text = NULL;
        if (!strcmp(m->key, "function") || !strcmp(m->key, "code") || !strcmp(m->key, "entrypoint")) {
            if (!json_scalar_text(m, &text)) {
                if (m->type == J_STRING) snprintf(error, error_size, "'%s' holds a NUL character", m->key);
                else snprintf(error, error_size, "Cannot deserialize '%s', a string, from %s", m->key, json_kind(m));
                ok = false;
            } else if (!strcmp(m->key, "function")) {
                free(s->function), s->function = text;
            } else if (!strcmp(m->key, "code")) {
                free(s->code), s->code = text;
            } else {
                free(text);
            }
        } else if (!strcmp(m->key, "command")) {
            free_strings(s->command), s->command = NULL;
            if (m->type == J_NULL) continue;
            if (m->type != J_ARRAY) {
                snprintf(error, error_size, "Cannot deserialize 'command', a list of strings, from %s", json_kind(m));
                ok = false;
                continue;
            }
            size_t count = 0;
            for (json *i = m->first; i; i = i->next) count++;
            s->command = strings_new(count);
            size_t k = 0;
            for (json *i = m->first; i && ok; i = i->next) {
                if (!json_scalar_text(i, &s->command[k]) || !s->command[k]) {
                    snprintf(error, error_size, "'command' must be a list of strings (no nulls, lists or objects)");
                    ok = false;
                }
                k++;
            }
        } else if (!strcmp(m->key, "timeoutMs") || !strcmp(m->key, "memoryMb")) {
            long long value;
            if (!json_long(m, 0, &value) || (!strcmp(m->key, "memoryMb") && (value > INT_MAX || value < INT_MIN))) {
                snprintf(error, error_size, "Cannot deserialize '%s', a number, from %s", m->key, m->type == J_STRING ? "String value" : json_kind(m));
                ok = false;
            } else if (!strcmp(m->key, "timeoutMs")) {
                s->timeout_ms = value <= 0 ? DEFAULT_TIMEOUT_MS : value;
            }
        } else if (!strcmp(m->key, "env")) {
            free_strings(s->env), s->env = NULL;
            if (m->type == J_NULL) continue;
            if (m->type != J_OBJECT) {
                snprintf(error, error_size, "Cannot deserialize 'env', a map of strings, from %s", json_kind(m));
                ok = false;
                continue;
            }
            size_t count = 0;
            for (json *i = m->first; i; i = i->next) count++;
            s->env = strings_new(count);
            size_t k = 0;
            for (json *i = m->first; i && ok; i = i->next) {
                char *value;
                if (!json_scalar_text(i, &value) || !value) {
                    snprintf(error, error_size, "'env' must map names to strings: '%s' does not", i->key);
                    ok = false;
                    continue;
                }
                /* A later duplicate name wins, as in Jackson's map. */
                size_t name_length = strlen(i->key);
                for (size_t e = 0; e < k; e++) {
                    if (!strncmp(s->env[e], i->key, name_length) && s->env[e][name_length] == '=') {
                        free(s->env[e]);
                        s->env[e] = s->env[--k];
                        s->env[k] = NULL;
                        break;
                    }
                }
                buf_t entry = {0};
                buf_printf(&entry, "%s=%s", i->key, value);
                free(value);
                s->env[k++] = entry.p;
            }
        }
        /* Other properties are ignored, as the runtime's mapper ignores unknown ones. */
    }
done:
    json_free(root);
    if (!ok) spec_free(s);
    return ok;
}

/** The specialization the environment asks for: false with no function named; a load error in `error`. */
static bool spec_from_environment(spec_t *s, char **error) {
    memset(s, 0, sizeof *s);
    s->timeout_ms = DEFAULT_TIMEOUT_MS;
    *error = NULL;
    const char *function = getenv("TANDEM_FUNCTION");
    if (blank(function)) return false;
    s->function = xstrdup(function);
    const char *code = getenv("TANDEM_CODE");
    if (!blank(code)) s->code = xstrdup(code);
    const char *command = getenv("TANDEM_COMMAND");
    buf_t message = {0};
    if (!blank(command)) {
        char ignored[200];
        json *list = json_parse(command, strlen(command), ignored, sizeof ignored);
        bool ok = list && (list->type == J_ARRAY || list->type == J_NULL);
        if (ok && list->type == J_ARRAY) {
            size_t count = 0;
            for (json *i = list->first; i; i = i->next) count++;
            s->command = strings_new(count);
            size_t k = 0;
            for (json *i = list->first; i && ok; i = i->next, k++) ok = json_scalar_text(i, &s->command[k]) && s->command[k];
        }
        json_free(list);
        if (!ok) {
            buf_printf(&message, "TANDEM_COMMAND is not a JSON array of strings: %s", command);
            *error = message.p;
            return true;
        }
    }
    const char *timeout = getenv("TANDEM_TIMEOUT_MS");
    if (!blank(timeout)) {
        long long value;
        if (!parse_trimmed_long(timeout, &value)) {
            buf_printf(&message, "TANDEM_TIMEOUT_MS is not a number of milliseconds: %s", timeout);
            *error = message.p;
            return true;
        }
        s->timeout_ms = value <= 0 ? DEFAULT_TIMEOUT_MS : value;
    }
    const char *memory = getenv("TANDEM_MEMORY_MB");
    if (!blank(memory)) {
        long long value;
        if (!parse_trimmed_long(memory, &value) || value > INT_MAX || value < INT_MIN) {
            buf_printf(&message, "TANDEM_MEMORY_MB is not a number of megabytes: %s", memory);
            *error = message.p;
            return true;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------------------------------ loading */

/** A loaded exec function: immutable once built, shared by every invocation, never freed. */
typedef struct {
    char *name;
    char **argv;           /* NULL-terminated */
    char *directory;       /* the process's working directory; NULL: the host's */
    long long timeout_ms;
    char **env;            /* the process environment without the request's variables, NULL-terminated */
    size_t env_count;
} function_t;

/** The host's environment as it started, read once before any thread runs. */
static char **host_env;

static bool env_named(const char *entry, const char *name, size_t name_length) {
    return !strncmp(entry, name, name_length) && entry[name_length] == '=';
}

static size_t env_name_length(const char *entry) {
    const char *eq = strchr(entry, '=');
    return eq ? (size_t) (eq - entry) : strlen(entry);
}

/**
 * The function's processes' environment: the host's, with the function's own variables over it, without the
 * runtime's settings (every TANDEM_* variable, the function's too: they are not the function's business).
 */
static char **function_env(char *const *overlay, size_t *count) {
    size_t hosts = count_strings(host_env), overlays = count_strings(overlay), n = 0;
    char **env = strings_new(hosts + overlays);
    for (size_t i = 0; i < hosts; i++) {
        size_t name_length = env_name_length(host_env[i]);
        bool replaced = false;
        for (size_t k = 0; k < overlays && !replaced; k++) replaced = env_named(overlay[k], host_env[i], name_length);
        if (!replaced && strncmp(host_env[i], "TANDEM_", 7) != 0) env[n++] = xstrdup(host_env[i]);
    }
    for (size_t k = 0; k < overlays; k++) {
        if (strncmp(overlay[k], "TANDEM_", 7) != 0) env[n++] = xstrdup(overlay[k]);
    }
    *count = n;
    return env;
}

/** Path.of's form of a path: repeated slashes collapsed, no trailing slash. */
static char *normalized_path(const char *path) {
    size_t n = strlen(path), k = 0;
    char *out = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        if (path[i] == '/' && k > 0 && out[k - 1] == '/') continue;
        out[k++] = path[i];
    }
    if (k > 1 && out[k - 1] == '/') k--;
    out[k] = 0;
    return out;
}

/** The directory holding the code file: its absolute path's parent. */
static char *parent_directory(const char *path) {
    buf_t absolute = {0};
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd)) buf_str(&absolute, cwd);
        buf_str(&absolute, "/");
    }
    buf_str(&absolute, path);
    char *slash = strrchr(absolute.p, '/');
    if (slash == absolute.p) slash[1] = 0;
    else *slash = 0;
    return absolute.p;
}

static char *replace_all(const char *text, const char *token, const char *with) {
    buf_t b = {0};
    size_t token_length = strlen(token);
    for (const char *p = text, *hit; ; p = hit + token_length) {
        hit = strstr(p, token);
        if (!hit) {
            buf_str(&b, p);
            break;
        }
        buf_add(&b, p, (size_t) (hit - p));
        buf_str(&b, with);
    }
    return b.p;
}

/** The command the function runs per request (ExecLoader and FunctionCode); NULL with a malloc'd error. */
static function_t *function_load(const spec_t *s, char **error) {
    buf_t message = {0};
    char *code = s->code ? normalized_path(s->code) : NULL;
    struct stat st;
    bool regular = false, directory = false;
    if (code) {
        if (stat(code, &st) != 0) {
            buf_printf(&message, "code not found: %s", code);
            goto fail;
        }
        regular = S_ISREG(st.st_mode);
        directory = S_ISDIR(st.st_mode);
    }
    for (size_t i = 0; s->env && s->env[i]; i++) {
        if (s->env[i][0] == '=') {
            buf_printf(&message, "the variable '%s' has no name", s->env[i]);
            goto fail;
        }
    }
    char **argv;
    size_t commands = count_strings(s->command);
    if (commands > 0) {
        bool names_file = false;
        for (size_t i = 0; i < commands; i++) names_file |= strstr(s->command[i], "{jar}") || strstr(s->command[i], "{artifact}");
        if (names_file && !regular) {
            buf_str(&message, "the command ");
            buf_list(&message, s->command);
            buf_str(&message, " names {jar}, a single code file, and the code is ");
            if (code) buf_printf(&message, "the directory %s", code);
            else buf_str(&message, "missing");
            goto fail;
        }
        argv = strings_new(commands);
        for (size_t i = 0; i < commands; i++) {
            if (!code) {
                argv[i] = xstrdup(s->command[i]);
                continue;
            }
            char *a = replace_all(s->command[i], "{code}", code);
            char *b = replace_all(a, "{jar}", code);
            argv[i] = replace_all(b, "{artifact}", code);
            free(a);
            free(b);
        }
    } else if (regular) {
        if (access(code, X_OK) != 0) {
            buf_printf(&message, "%s is not executable: chmod +x it and start it with a #! line, or give a command", code);
            goto fail;
        }
        argv = strings_new(1);
        argv[0] = xstrdup(code);
    } else {
        buf_str(&message, "no command: give the argv to run per request, or a single executable file as code");
        goto fail;
    }
    function_t *f = xmalloc(sizeof *f);
    f->name = xstrdup(s->function);
    f->argv = argv;
    f->directory = code ? (directory ? xstrdup(code) : parent_directory(code)) : NULL;
    f->timeout_ms = s->timeout_ms;
    f->env = function_env(s->env, &f->env_count);
    free(code);
    return f;
fail:
    free(code);
    *error = message.p;
    return NULL;
}

/* ------------------------------------------------------------------------------------------------ instance state */

enum state { GENERIC, LOADING, SERVING, FAILED };

static struct {
    pthread_mutex_t lock;
    enum state state;
    char *function;            /* LOADING, SERVING, FAILED */
    char *detail;              /* FAILED */
    const function_t *serving; /* SERVING */
} instance = {.lock = PTHREAD_MUTEX_INITIALIZER, .state = GENERIC};

static int control_port;

/** A copy of the state, taken under the lock; the strings are the caller's to free. */
typedef struct {
    enum state state;
    char *function, *detail;
    const function_t *serving;
} snapshot_t;

static snapshot_t instance_snapshot(void) {
    pthread_mutex_lock(&instance.lock);
    snapshot_t s = {instance.state, instance.function ? xstrdup(instance.function) : NULL, instance.detail ? xstrdup(instance.detail) : NULL,
                    instance.serving};
    pthread_mutex_unlock(&instance.lock);
    return s;
}

static void snapshot_free(snapshot_t *s) {
    free(s->function);
    free(s->detail);
}

static void fail_startup(const char *function, const char *detail) {
    pthread_mutex_lock(&instance.lock);
    instance.state = FAILED;
    instance.function = xstrdup(function);
    instance.detail = xstrdup(detail);
    pthread_mutex_unlock(&instance.lock);
    log_line("tandem-runtime: function %s failed to load: %s", function, detail);
}

/** Before any thread runs: loads the function the environment names, or leaves the instance failed or generic. */
static void self_specialize(void) {
    spec_t s;
    char *error;
    int64_t start = monotonic_ns();
    if (!spec_from_environment(&s, &error)) return;
    if (error) {
        fail_startup(s.function, error);
    } else {
        function_t *f = function_load(&s, &error);
        if (!f) {
            fail_startup(s.function, error);
        } else {
            instance.state = SERVING;
            instance.function = xstrdup(s.function);
            instance.serving = f;
            log_line("tandem-runtime: exec serves %s, loaded in %lld ms", s.function, (long long) ((monotonic_ns() - start) / 1000000));
        }
    }
    free(error);
    spec_free(&s);
}

/* ------------------------------------------------------------------------------------------------ running processes */

typedef struct child {
    pid_t pid;
    struct child *prev, *next;
} child_t;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t spawned;
    child_t *first;
    int spawning;      /* posix_spawn calls under way: SIGTERM waits for them, then kills what they started */
    bool terminating;
} children = {.lock = PTHREAD_MUTEX_INITIALIZER, .spawned = PTHREAD_COND_INITIALIZER};

/** Before a spawn; false once the host is stopping. */
static bool children_begin_spawn(void) {
    pthread_mutex_lock(&children.lock);
    bool ok = !children.terminating;
    if (ok) children.spawning++;
    pthread_mutex_unlock(&children.lock);
    return ok;
}

/** After a spawn: lists the new process (pid > 0), killing it at once if the host is stopping meanwhile. */
static void children_end_spawn(child_t *c, pid_t pid) {
    pthread_mutex_lock(&children.lock);
    children.spawning--;
    if (pid > 0) {
        c->pid = pid;
        c->prev = NULL;
        c->next = children.first;
        if (children.first) children.first->prev = c;
        children.first = c;
        if (children.terminating) killpg(pid, SIGKILL);
    }
    if (children.terminating && children.spawning == 0) pthread_cond_broadcast(&children.spawned);
    pthread_mutex_unlock(&children.lock);
}

/** Unlists a process that has exited, right before it is reaped. */
static void children_remove(child_t *c) {
    pthread_mutex_lock(&children.lock);
    if (c->prev) c->prev->next = c->next;
    else children.first = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&children.lock);
}

/** The parent pid in /proc/PID/stat, or -1. */
static pid_t parent_of(const char *pid) {
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return -1;
    text[n] = 0;
    char *close_paren = strrchr(text, ')');
    int ppid;
    char state;
    if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return -1;
    return ppid;
}

/**
 * Kills a process, its process group and every descendant (found in /proc before the kill, as the descendants
 * reparent once their parent dies): a shell's children would otherwise hold its pipes open. The process must not
 * have been reaped yet, so its pid and group id are still its own.
 */
static void kill_tree(pid_t root) {
    pid_t *pids = NULL, *parents = NULL;
    size_t n = 0, cap = 0;
    DIR *proc = opendir("/proc");
    for (struct dirent *e; proc && (e = readdir(proc));) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        pid_t parent = parent_of(e->d_name);
        if (parent <= 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            pids = xrealloc(pids, cap * sizeof *pids);
            parents = xrealloc(parents, cap * sizeof *parents);
        }
        pids[n] = (pid_t) atoi(e->d_name);
        parents[n++] = parent;
    }
    if (proc) closedir(proc);
    /* The tree, breadth first: tree[0..found) are the root and the descendants found so far. */
    pid_t *tree = xmalloc((n + 1) * sizeof *tree);
    size_t found = 0;
    tree[found++] = root;
    for (size_t next = 0; next < found; next++) {
        for (size_t i = 0; i < n; i++) {
            if (parents[i] == tree[next] && pids[i] != root) tree[found++] = pids[i], parents[i] = -1;
        }
    }
    killpg(root, SIGKILL);
    kill(root, SIGKILL);
    for (size_t i = 1; i < found; i++) kill(tree[i], SIGKILL);
    free(tree);
    free(pids);
    free(parents);
}

/* ------------------------------------------------------------------------------------------------ HTTP: requests */

typedef struct {
    int fd;
    char in[IN_BUFFER];
    size_t position, limit;
} conn_t;

enum body_kind { BODY_NONE, BODY_FIXED, BODY_CHUNKED };
enum chunk_state { CHUNK_SIZE, CHUNK_EXTENSION, CHUNK_DATA, CHUNK_CR, CHUNK_LF, CHUNK_TRAILER };

/** A request body's framing, decoded incrementally from the connection's buffer. */
typedef struct {
    enum body_kind kind;
    long long remaining;        /* BODY_FIXED */
    enum chunk_state state;     /* BODY_CHUNKED */
    long long chunk_left;
    int digits, line_length, trailer_bytes;
    bool done, failed;
} body_t;

typedef struct {
    const char *name, *value;
} header_t;

typedef struct {
    buf_t text;                 /* the request line and header lines, cut into NUL-terminated pieces */
    const char *method, *target, *protocol;
    header_t *headers;
    size_t header_count;
    char *path;                 /* decoded */
    char *query;                /* raw; NULL without '?' */
    bool http10, keep_alive, continue_pending, responded, head;
    body_t body;
} request_t;

static void request_free(request_t *r) {
    buf_free(&r->text);
    free(r->headers);
    free(r->path);
    free(r->query);
}

/** 1: bytes in the buffer; 0: the peer closed; -1: failed or timed out. */
static int conn_fill(conn_t *c) {
    for (;;) {
        ssize_t n = read(c->fd, c->in, sizeof c->in);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n == 0 ? 0 : -1;
        c->position = 0;
        c->limit = (size_t) n;
        return 1;
    }
}

typedef struct {
    int status;
    char message[256];
} refusal_t;

static int refuse_with(refusal_t *why, int status, const char *format, ...) __attribute__((format(printf, 3, 4)));

static int refuse_with(refusal_t *why, int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(why->message, sizeof why->message, format, args);
    va_end(args);
    why->status = status;
    return -1;
}

/** At most 80 characters of `text`, control characters as '?', for error messages. */
static const char *printable(const char *text, char *out, size_t size) {
    size_t n = strlen(text), k = 0;
    for (size_t i = 0; i < n && i < 80 && k + 1 < size; i++) {
        unsigned char c = (unsigned char) text[i];
        out[k++] = c < 0x20 || c == 0x7f ? '?' : (char) c;
    }
    out[k] = 0;
    if (n > 80 && k + 4 < size) strcat(out, "...");
    return out;
}

/**
 * The next line into `into` (NUL-terminated, without CRLF or LF), its offset in `*at`. 1: a line; 0: the peer closed
 * before any byte of it; -1: refused (`why`); -2: the connection failed.
 */
static int read_line(conn_t *c, buf_t *into, size_t max, int too_long, const char *what, size_t *at, refusal_t *why) {
    size_t start = into->len;
    bool any = false;
    for (;;) {
        if (c->position == c->limit) {
            int filled = conn_fill(c);
            if (filled < 0) return -2;
            if (filled == 0) {
                if (!any) return 0;
                return refuse_with(why, 400, "the connection closed inside the %s", what);
            }
        }
        char *newline = memchr(c->in + c->position, '\n', c->limit - c->position);
        size_t chunk = (size_t) ((newline ? newline : c->in + c->limit) - (c->in + c->position));
        if (into->len - start + chunk > max) return refuse_with(why, too_long, "the %s is longer than %zu bytes", what, max);
        buf_add(into, c->in + c->position, chunk);
        c->position += chunk;
        any = true;
        if (newline) {
            c->position++;
            if (memchr(into->p + start, 0, into->len - start)) return refuse_with(why, 400, "the %s holds a NUL byte", what);
            if (into->len > start && into->p[into->len - 1] == '\r') into->p[--into->len] = 0;
            buf_add(into, "", 1); /* keeps the NUL inside the text, past the line */
            *at = start;
            return 1;
        }
    }
}

static const char *header_first(const request_t *r, const char *name) {
    for (size_t i = 0; i < r->header_count; i++) {
        if (!strcasecmp(r->headers[i].name, name)) return r->headers[i].value;
    }
    return NULL;
}

static bool uri_char(unsigned char c, bool query) {
    if (isalnum(c) || c >= 0xa1) return true;
    if (strchr("-._~!$&'()*+,;=:@/", c)) return true;
    return query && (c == '?' || c == '[' || c == ']');
}

/** Checks the target as java.net.URI does (roughly) and sets the decoded path and raw query. */
static int parse_target(request_t *r, refusal_t *why) {
    const char *t = r->target, *path = t;
    char shown[128];
    if (t[0] != '/' && t[0] != '*') {
        const char *scheme_end = strstr(t, "://");
        if (!scheme_end) return refuse_with(why, 400, "malformed request target: Expected scheme-specific part: %s", printable(t, shown, sizeof shown));
        path = strchr(scheme_end + 3, '/');
        if (!path) path = scheme_end + strcspn(scheme_end, "?#");
    }
    size_t path_length = strcspn(path, "?#");
    const char *query = path[path_length] == '?' ? path + path_length + 1 : NULL;
    size_t query_length = query ? strcspn(query, "#") : 0;
    buf_t decoded = {0};
    for (size_t i = 0; i < path_length; i++) {
        unsigned char c = (unsigned char) path[i];
        if (c == '%') {
            int high = i + 2 < path_length + 2 ? hex_value((unsigned char) path[i + 1]) : -1, low = high >= 0 ? hex_value((unsigned char) path[i + 2]) : -1;
            if (high < 0 || low < 0) {
                buf_free(&decoded);
                return refuse_with(why, 400, "malformed request target: Malformed escape pair at index %zu: %s", (size_t) (path - t) + i, printable(t, shown, sizeof shown));
            }
            if (high == 0 && low == 0) {
                buf_free(&decoded);
                return refuse_with(why, 400, "malformed request target: the path holds %%00");
            }
            char byte = (char) (high * 16 + low);
            buf_add(&decoded, &byte, 1);
            i += 2;
        } else if (!uri_char(c, false) && !(c == '*' && path == t)) {
            buf_free(&decoded);
            return refuse_with(why, 400, "malformed request target: Illegal character in path at index %zu: %s", (size_t) (path - t) + i, printable(t, shown, sizeof shown));
        } else {
            buf_add(&decoded, &path[i], 1);
        }
    }
    for (size_t i = 0; i < query_length; i++) {
        unsigned char c = (unsigned char) query[i];
        if (c == '%' && (hex_value((unsigned char) query[i + 1]) < 0 || (query[i + 1] && hex_value((unsigned char) query[i + 2]) < 0))) {
            buf_free(&decoded);
            return refuse_with(why, 400, "malformed request target: Malformed escape pair at index %zu: %s", (size_t) (query - t) + i, printable(t, shown, sizeof shown));
        }
        if (c != '%' && !uri_char(c, true)) {
            buf_free(&decoded);
            return refuse_with(why, 400, "malformed request target: Illegal character in query at index %zu: %s", (size_t) (query - t) + i, printable(t, shown, sizeof shown));
        }
    }
    if (!decoded.p) buf_add(&decoded, "", 0);
    r->path = decoded.p;
    r->query = query ? xstrndup(query, query_length) : NULL;
    return 0;
}

/** Frames the body from Transfer-Encoding or Content-Length. */
static int body_framing(request_t *r, refusal_t *why) {
    const char *encoding = header_first(r, "Transfer-Encoding");
    r->body = (body_t) {.kind = BODY_NONE, .done = true};
    if (encoding) {
        size_t n = strlen(encoding);
        const char *e = encoding;
        strip(&e, &n);
        if (n < 7 || strncasecmp(e + n - 7, "chunked", 7) != 0) {
            return refuse_with(why, 501, "unsupported Transfer-Encoding: %s (only chunked is)", encoding);
        }
        r->body = (body_t) {.kind = BODY_CHUNKED, .state = CHUNK_SIZE};
        return 0;
    }
    long long length = -1;
    buf_t all = {0};
    for (size_t i = 0; i < r->header_count; i++) {
        if (strcasecmp(r->headers[i].name, "Content-Length") != 0) continue;
        buf_str(&all, all.len ? ", " : "[");
        buf_str(&all, r->headers[i].value);
    }
    buf_str(&all, "]");
    for (size_t i = 0; i < r->header_count; i++) {
        if (strcasecmp(r->headers[i].name, "Content-Length") != 0) continue;
        const char *text = r->headers[i].value;
        for (const char *one = text; ; ) {
            size_t n = strcspn(one, ",");
            const char *s = one;
            size_t k = n;
            strip(&s, &k);
            long long parsed;
            if (!parse_long(s, k, &parsed)) {
                buf_free(&all);
                return refuse_with(why, 400, "Content-Length is not a number: %s", text);
            }
            if (parsed < 0 || (length >= 0 && parsed != length)) {
                refuse_with(why, 400, "conflicting or negative Content-Length: %s", all.p);
                buf_free(&all);
                return -1;
            }
            length = parsed;
            if (!one[n]) break;
            one += n + 1;
        }
    }
    buf_free(&all);
    if (length > 0) r->body = (body_t) {.kind = BODY_FIXED, .remaining = length};
    return 0;
}

/** Reads a request head. 1: a request; 0: the peer closed between requests; -1: refused (`why`); -2: failed. */
static int read_request(conn_t *c, request_t *r, refusal_t *why) {
    memset(r, 0, sizeof *r);
    size_t line_at, header_at[512], value_at[512], count = 0, total = 0;
    size_t *names = header_at, *values = value_at;
    size_t capacity = 512;
    int got;
    do {
        r->text.len = 0;
        got = read_line(c, &r->text, MAX_LINE, 414, "request line", &line_at, why);
        if (got <= 0) return got;
    } while (r->text.p[line_at] == 0);
    char *line = r->text.p + line_at;
    char shown[128];
    char *first_space = strchr(line, ' '), *last_space = strrchr(line, ' ');
    if (!first_space || first_space == line || first_space == last_space) {
        return refuse_with(why, 400, "malformed request line: %s", printable(line, shown, sizeof shown));
    }
    size_t method_end = (size_t) (first_space - r->text.p), target_end = (size_t) (last_space - r->text.p);
    if (strncmp(last_space + 1, "HTTP/1.", 7) != 0) {
        return refuse_with(why, 505, "only HTTP/1.0 and HTTP/1.1 are served, not %s", printable(last_space + 1, shown, sizeof shown));
    }
    if (target_end == method_end + 1 || memchr(first_space + 1, ' ', (size_t) (last_space - first_space - 1))) {
        *last_space = 0;
        return refuse_with(why, 400, "malformed request target: %s", printable(first_space + 1, shown, sizeof shown));
    }
    r->text.p[method_end] = 0;
    r->text.p[target_end] = 0;
    int result = 1;
    for (;;) {
        size_t at;
        got = read_line(c, &r->text, MAX_LINE, 431, "header line", &at, why);
        if (got == 0) {
            result = refuse_with(why, 400, "the connection closed inside the request's headers");
            break;
        }
        if (got < 0) {
            result = got;
            break;
        }
        char *field = r->text.p + at;
        size_t length = strlen(field);
        if (length == 0) break;
        if ((total += length) > MAX_HEADERS) {
            result = refuse_with(why, 431, "the request's headers are longer than %d bytes", MAX_HEADERS);
            break;
        }
        if (field[0] == ' ' || field[0] == '\t') {
            result = refuse_with(why, 400, "folded header lines are not accepted");
            break;
        }
        char *colon = strchr(field, ':');
        if (!colon || colon == field || colon[-1] == ' ' || memchr(field, '\r', length)) {
            result = refuse_with(why, 400, "malformed header line: %s", printable(field, shown, sizeof shown));
            break;
        }
        char *from = colon + 1, *to = field + length;
        while (from < to && (*from == ' ' || *from == '\t')) from++;
        while (to > from && (to[-1] == ' ' || to[-1] == '\t')) to--;
        *colon = 0;
        *to = 0;
        if (count == capacity) {
            capacity *= 2;
            size_t *more_names = xmalloc(capacity * sizeof *more_names), *more_values = xmalloc(capacity * sizeof *more_values);
            memcpy(more_names, names, count * sizeof *names);
            memcpy(more_values, values, count * sizeof *values);
            if (names != header_at) free(names), free(values);
            names = more_names;
            values = more_values;
        }
        names[count] = at;
        values[count++] = (size_t) (from - r->text.p);
    }
    if (result == 1) {
        r->method = r->text.p + line_at;
        r->target = r->text.p + method_end + 1;
        r->protocol = r->text.p + target_end + 1;
        r->headers = xmalloc((count ? count : 1) * sizeof *r->headers);
        for (size_t i = 0; i < count; i++) r->headers[i] = (header_t) {r->text.p + names[i], r->text.p + values[i]};
        r->header_count = count;
        r->http10 = !strcmp(r->protocol, "HTTP/1.0");
        r->head = !strcmp(r->method, "HEAD");
        const char *connection = header_first(r, "Connection");
        r->keep_alive = r->http10 ? connection && !strcasecmp(connection, "keep-alive") : !connection || strcasecmp(connection, "close") != 0;
        const char *expect = header_first(r, "Expect");
        r->continue_pending = expect && !strcasecmp(expect, "100-continue") && !r->http10;
        if (body_framing(r, why) < 0 || parse_target(r, why) < 0) result = -1;
    }
    if (names != header_at) free(names), free(values);
    return result;
}

/**
 * Decodes what the connection's buffer holds of the body into `out`, without reading the socket; returns the
 * bytes decoded. Sets `done` at its end, `failed` (and `why`) when its framing is broken.
 */
static size_t body_take(conn_t *c, body_t *b, char *out, size_t capacity, refusal_t *why) {
    size_t produced = 0;
    while (!b->done && !b->failed && c->position < c->limit && produced < capacity) {
        size_t available = c->limit - c->position;
        if (b->kind == BODY_FIXED) {
            size_t n = available < capacity - produced ? available : capacity - produced;
            if ((long long) n > b->remaining) n = (size_t) b->remaining;
            memcpy(out + produced, c->in + c->position, n);
            produced += n;
            c->position += n;
            if ((b->remaining -= (long long) n) == 0) b->done = true;
            continue;
        }
        if (b->state == CHUNK_DATA) {
            size_t n = available < capacity - produced ? available : capacity - produced;
            if ((long long) n > b->chunk_left) n = (size_t) b->chunk_left;
            memcpy(out + produced, c->in + c->position, n);
            produced += n;
            c->position += n;
            if ((b->chunk_left -= (long long) n) == 0) b->state = CHUNK_CR;
            continue;
        }
        unsigned char byte = (unsigned char) c->in[c->position++];
        switch (b->state) {
            case CHUNK_SIZE: {
                int digit = hex_value(byte);
                if (digit >= 0) {
                    if (++b->digits > 15) b->failed = true, refuse_with(why, 400, "a chunk size has more than 15 hex digits");
                    b->chunk_left = b->chunk_left * 16 + digit;
                    break;
                }
                if (b->digits == 0) {
                    b->failed = true;
                    refuse_with(why, 400, "a chunk of the request body has no size");
                    break;
                }
                b->state = CHUNK_EXTENSION;
                if (byte != '\n') break;
                __attribute__((fallthrough)); /* the size line ended */
            }
            case CHUNK_EXTENSION:
                if (byte != '\n') break;
                b->digits = 0;
                if (b->chunk_left == 0) b->state = CHUNK_TRAILER, b->line_length = 0, b->trailer_bytes = 0;
                else b->state = CHUNK_DATA;
                break;
            case CHUNK_CR:
                if (byte == '\r') {
                    b->state = CHUNK_LF;
                    break;
                }
                __attribute__((fallthrough));
            case CHUNK_LF:
                if (byte != '\n') {
                    b->failed = true;
                    refuse_with(why, 400, "a chunk of the request body is longer than its size says");
                    break;
                }
                b->state = CHUNK_SIZE;
                b->chunk_left = 0;
                break;
            case CHUNK_TRAILER:
                if (byte == '\n') {
                    if (b->line_length == 0) {
                        b->done = true;
                        break;
                    }
                    b->line_length = 0;
                } else if (byte != '\r') {
                    b->line_length++;
                }
                if (++b->trailer_bytes > MAX_HEADERS) b->failed = true, refuse_with(why, 431, "the request's trailers are too long");
                break;
            case CHUNK_DATA:
                break;
        }
    }
    return produced;
}

/* ------------------------------------------------------------------------------------------------ HTTP: responses */

static const char *reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 422: return "Unprocessable Content";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return status < 300 ? "Success" : status < 400 ? "Redirection" : status < 500 ? "Client Error" : "Server Error";
    }
}

static void http_date(char out[40]) {
    time_t now = time(NULL);
    struct tm t;
    gmtime_r(&now, &t);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &t);
}

/** The status line, Date, `headers` (each ending in CRLF), Content-Type and the connection's own fields. */
static void response_head(buf_t *b, request_t *r, int status, const char *headers, const char *content_type) {
    char date[40];
    http_date(date);
    if (r->continue_pending) r->keep_alive = false; /* its body may still come */
    buf_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, reason(status), date);
    if (headers) buf_str(b, headers);
    if (content_type) buf_printf(b, "Content-Type: %s\r\n", content_type);
}

static void response_connection(buf_t *b, request_t *r) {
    if (!r->keep_alive) buf_str(b, "Connection: close\r\n");
    else if (r->http10) buf_str(b, "Connection: keep-alive\r\n");
    buf_str(b, "\r\n");
}

/** A whole response with a fixed length; HEAD and empty bodies get none (Content-Length: 0). */
static bool reply(conn_t *c, request_t *r, int status, const char *headers, const char *content_type, const char *body, size_t length) {
    bool bodiless = length == 0 || status == 204 || status == 304 || r->head;
    buf_t b = {0};
    response_head(&b, r, status, headers, content_type);
    if (status != 204 && status != 304) buf_printf(&b, "Content-Length: %zu\r\n", bodiless ? (size_t) 0 : length);
    response_connection(&b, r);
    if (!bodiless) buf_add(&b, body, length);
    r->responded = true;
    bool ok = write_all(c->fd, b.p, b.len);
    buf_free(&b);
    return ok;
}

static bool reply_json(conn_t *c, request_t *r, int status, const char *headers, buf_t *json) {
    return reply(c, r, status, headers, APPLICATION_JSON, json->p, json->len);
}

static void error_json(buf_t *b, const char *error, const char *detail) {
    buf_str(b, "{\"error\":");
    buf_json(b, error);
    if (detail) {
        buf_str(b, ",\"detail\":");
        buf_json(b, detail);
    }
    buf_str(b, "}");
}

/** The {"error", "detail"} shape of every failure the runtime answers; detail may be NULL. */
static bool reply_error(conn_t *c, request_t *r, int status, const char *headers, const char *error, const char *detail) {
    buf_t b = {0};
    error_json(&b, error, detail);
    bool ok = reply_json(c, r, status, headers, &b);
    buf_free(&b);
    return ok;
}

/** A request no handler sees: answered, then the connection closes. */
static void refuse(conn_t *c, const refusal_t *why) {
    buf_t body = {0}, b = {0};
    error_json(&body, "bad request", why->message);
    buf_printf(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", why->status,
               reason(why->status), body.len, body.p);
    write_all(c->fd, b.p, b.len);
    buf_free(&body);
    buf_free(&b);
}

/** The 100 Continue a client that sent Expect waits for, owed until the handler first reads the body. */
static bool send_continue(conn_t *c, request_t *r) {
    if (!r->continue_pending || r->body.kind == BODY_NONE) return true;
    r->continue_pending = false;
    if (r->responded) return true;
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    return write_all(c->fd, line, sizeof line - 1);
}

/** Reads the rest of the body (blocking), keeping at most `keep` bytes in `into` (NULL: none); false past `limit`. */
static bool body_read(conn_t *c, request_t *r, buf_t *into, size_t limit, refusal_t *why) {
    char scratch[8192];
    size_t total = 0;
    if (!send_continue(c, r)) return false;
    while (!r->body.done) {
        size_t n = body_take(c, &r->body, scratch, sizeof scratch, why);
        if (r->body.failed) return false;
        if (n == 0 && !r->body.done && conn_fill(c) <= 0) {
            r->body.failed = true;
            return refuse_with(why, 400, "the request body ended before its end"), false;
        }
        total += n;
        if (into) buf_add(into, scratch, n);
        if (total > limit) return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------------ /_/health, /_/specialize */

/** A query's parameter, first value, URL-decoded ('+' is a space); *bad on a broken escape. */
static char *query_parameter(const char *query, const char *name, bool *bad) {
    if (!query) return NULL;
    for (const char *pair = query; ; ) {
        size_t n = strcspn(pair, "&");
        buf_t key = {0}, value = {0};
        buf_t *into = &key;
        for (size_t i = 0; i < n; i++) {
            char ch = pair[i];
            if (ch == '=' && into == &key) {
                into = &value;
                continue;
            }
            if (ch == '+') ch = ' ';
            else if (ch == '%') {
                int high = i + 1 < n ? hex_value((unsigned char) pair[i + 1]) : -1, low = i + 2 < n ? hex_value((unsigned char) pair[i + 2]) : -1;
                if (high < 0 || low < 0) {
                    *bad = true;
                    buf_free(&key);
                    buf_free(&value);
                    return NULL;
                }
                ch = (char) (high * 16 + low);
                i += 2;
            }
            buf_add(into, &ch, 1);
        }
        bool match = key.p ? !strcmp(key.p, name) : name[0] == 0;
        buf_free(&key);
        if (match) {
            if (!value.p) buf_add(&value, "", 0);
            return value.p;
        }
        buf_free(&value);
        if (!pair[n]) return NULL;
        pair += n + 1;
    }
}

/** The health answer of one state, as InstanceServer.healthReplyOf writes it. */
static int health_body(buf_t *b) {
    snapshot_t s = instance_snapshot();
    int status = s.state == FAILED ? 500 : 200;
    switch (s.state) {
        case FAILED:
            buf_str(b, "{\"error\":\"function failed to load\",\"detail\":");
            buf_json(b, s.detail);
            buf_str(b, ",\"function\":");
            buf_json(b, s.function);
            break;
        case SERVING:
            buf_str(b, "{\"status\":\"ok\",\"runtime\":\"exec\",\"function\":");
            buf_json(b, s.function);
            break;
        case LOADING:
            buf_str(b, "{\"status\":\"ok\",\"runtime\":\"exec\",\"loading\":");
            buf_json(b, s.function);
            break;
        case GENERIC:
            buf_str(b, "{\"status\":\"ok\",\"runtime\":\"exec\"");
            break;
    }
    buf_printf(b, ",\"control\":%d}", control_port);
    snapshot_free(&s);
    return status;
}

static bool serve_health(conn_t *c, request_t *r) {
    bool bad = false, ok = false;
    char *epoch_text = query_parameter(r->query, "epoch", &bad);
    char *lease_text = bad ? NULL : query_parameter(r->query, "lease", &bad);
    char *issued_text = bad ? NULL : query_parameter(r->query, "issued", &bad);
    if (bad) {
        ok = reply_error(c, r, 500, NULL, "runtime failed", "the query holds a malformed percent-escape");
    } else if (epoch_text) {
        if (!secret_admits(header_first(r, "X-Tandem-Secret"), header_first(r, "X-Tandem-Secret") ? strlen(header_first(r, "X-Tandem-Secret")) : 0)) {
            ok = reply_error(c, r, 403, NULL, "forbidden", "only the executor grants leases: a grant carries the instance's secret in X-Tandem-Secret");
            goto done;
        }
        long long now = wall_ms(), epoch, millis = 0, issued = now;
        if (!parse_long_text(epoch_text, &epoch) || (lease_text && !parse_long_text(lease_text, &millis)) || (issued_text && !parse_long_text(issued_text, &issued))) {
            ok = reply_error(c, r, 400, NULL, "bad lease", "epoch and lease must be whole numbers, as /_/health?epoch=3&lease=300");
            goto done;
        }
        if (!lease_renew(epoch, millis, issued, now)) {
            char detail[160];
            snprintf(detail, sizeof detail, "this instance already holds epoch %lld, newer than %lld", lease_epoch(), epoch);
            ok = reply_error(c, r, 409, NULL, "stale epoch", detail);
            goto done;
        }
    }
    if (!bad) {
        buf_t body = {0};
        int status = health_body(&body);
        ok = reply_json(c, r, status, NULL, &body);
        buf_free(&body);
    }
done:
    free(epoch_text);
    free(lease_text);
    free(issued_text);
    return ok;
}

static const char *describe(const snapshot_t *s, char *out, size_t size) {
    switch (s->state) {
        case SERVING: snprintf(out, size, "serves %s", s->function); break;
        case LOADING: snprintf(out, size, "is loading %s", s->function); break;
        case FAILED: snprintf(out, size, "failed to load %s", s->function); break;
        case GENERIC: snprintf(out, size, "is generic"); break;
    }
    return out;
}

static bool serve_specialize(conn_t *c, request_t *r) {
    int64_t start = monotonic_ns();
    if (strcmp(r->method, "POST") != 0) return reply_error(c, r, 405, "Allow: POST\r\n", "method not allowed", "use POST /_/specialize");
    const char *presented = header_first(r, "X-Tandem-Secret");
    if (!secret_admits(presented, presented ? strlen(presented) : 0)) {
        return reply_error(c, r, 403, NULL, "forbidden", "only the instance's agent specializes it: the request carries the instance's secret in X-Tandem-Secret");
    }
    buf_t body = {0};
    refusal_t why = {0};
    if (!body_read(c, r, &body, SPECIALIZE_BODY_MAX, &why)) {
        buf_free(&body);
        if (r->body.failed) return false; /* the client is gone or broke the framing: the connection closes */
        r->keep_alive = false;
        return reply_error(c, r, 400, NULL, "bad specialize request", "the body is longer than 16 MiB");
    }
    spec_t s;
    char error[256];
    bool parsed = spec_from_json(body.p ? body.p : "", body.len, &s, error, sizeof error);
    buf_free(&body);
    if (!parsed) return reply_error(c, r, 400, NULL, "bad specialize request", error);
    if (blank(s.function)) {
        spec_free(&s);
        return reply_error(c, r, 400, NULL, "bad specialize request", "missing 'function'");
    }
    pthread_mutex_lock(&instance.lock);
    bool won = instance.state == GENERIC;
    if (won) {
        instance.state = LOADING;
        instance.function = xstrdup(s.function);
    }
    pthread_mutex_unlock(&instance.lock);
    if (!won) {
        snapshot_t now = instance_snapshot();
        char detail[512];
        bool ok = reply_error(c, r, 409, NULL, "instance already specialized", describe(&now, detail, sizeof detail));
        snapshot_free(&now);
        spec_free(&s);
        return ok;
    }
    char *load_error = NULL;
    function_t *f = function_load(&s, &load_error);
    pthread_mutex_lock(&instance.lock);
    if (f) {
        instance.state = SERVING;
        instance.serving = f;
    } else {
        instance.state = GENERIC; /* back to the pool as it came: the function's variables were never applied */
        free(instance.function);
        instance.function = NULL;
    }
    pthread_mutex_unlock(&instance.lock);
    bool ok;
    if (!f) {
        log_line("tandem-runtime: cannot load %s: %s", s.function, load_error);
        ok = reply_error(c, r, 422, NULL, "cannot load function", load_error);
    } else {
        long long millis = (long long) ((monotonic_ns() - start) / 1000000);
        log_line("tandem-runtime: exec specialized for %s in %lld ms", s.function, millis);
        buf_t answer = {0};
        buf_str(&answer, "{\"function\":");
        buf_json(&answer, s.function);
        buf_printf(&answer, ",\"loadMillis\":%lld}", millis);
        ok = reply_json(c, r, 200, NULL, &answer);
        buf_free(&answer);
    }
    free(load_error);
    spec_free(&s);
    return ok;
}

/* ------------------------------------------------------------------------------------------------ invocations */

/** `Http_` and the header's name as Go's CanonicalHeaderKey writes it, dashes as underscores. */
static void http_variable_name(buf_t *b, const char *header) {
    b->len = 0;
    buf_str(b, "Http_");
    bool upper = true;
    for (const char *p = header; *p; p++) {
        char ch = (char) (upper ? toupper((unsigned char) *p) : tolower((unsigned char) *p));
        upper = ch == '-';
        if (ch == '-') ch = '_';
        buf_add(b, &ch, 1);
    }
}

/**
 * The process's environment: the function's, plus one Http_<Header> per request header (repeated headers joined
 * with ", "), then Http_Method, Http_Path and Http_Query, which no header can pass for. `owned` holds the strings
 * made here, for the caller to free.
 */
static char **child_environment(const request_t *r, const function_t *f, char ***owned) {
    size_t made = 0;
    char **vars = strings_new(r->header_count + 3);
    buf_t name = {0}, other = {0};
    for (size_t i = 0; i < r->header_count; i++) {
        http_variable_name(&name, r->headers[i].name);
        if (!strcmp(name.p, "Http_Method") || !strcmp(name.p, "Http_Path") || !strcmp(name.p, "Http_Query")) continue;
        bool seen = false;
        for (size_t k = 0; k < made && !seen; k++) seen = env_named(vars[k], name.p, name.len);
        if (seen) continue;
        buf_t entry = {0};
        buf_printf(&entry, "%s=%s", name.p, r->headers[i].value);
        for (size_t j = i + 1; j < r->header_count; j++) {
            http_variable_name(&other, r->headers[j].name);
            if (!strcmp(other.p, name.p)) buf_printf(&entry, ", %s", r->headers[j].value);
        }
        vars[made++] = entry.p;
    }
    buf_t entry = {0};
    buf_printf(&entry, "Http_Method=%s", r->method);
    vars[made++] = entry.p;
    entry = (buf_t) {0};
    buf_printf(&entry, "Http_Path=%s", r->path);
    vars[made++] = entry.p;
    entry = (buf_t) {0};
    buf_printf(&entry, "Http_Query=%s", r->query ? r->query : "");
    vars[made++] = entry.p;
    buf_free(&name);
    buf_free(&other);
    char **env = strings_new(made + f->env_count);
    size_t n = 0;
    for (size_t k = 0; k < made; k++) env[n++] = vars[k];
    for (size_t i = 0; i < f->env_count; i++) {
        const char *e = f->env[i];
        bool shadowed = false;
        if (!strncmp(e, "Http_", 5)) {
            size_t length = env_name_length(e);
            for (size_t k = 0; k < made && !shadowed; k++) shadowed = env_named(vars[k], e, length);
        }
        if (!shadowed) env[n++] = (char *) e;
    }
    *owned = vars;
    return env;
}

/** One invocation: owned by its connection's thread from spawn to reap. */
typedef struct {
    conn_t *c;
    request_t *r;
    const function_t *f;
    char id[160];
    pid_t pid;
    child_t listed;
    int pidfd, in, out, err;
    bool out_eof, err_eof, exited, timed_out, committed, until_close, aborted;
    int exit_code;
    int64_t deadline_ns, killed_ns, body_seen_ns;
    buf_t held;          /* stdout before the 200 is committed */
    buf_t queue;         /* response bytes not yet sent */
    size_t queue_sent;
    buf_t err_kept;
    char *feed;          /* body bytes not yet written to stdin */
    size_t feed_at, feed_length;
    refusal_t why;
} run_t;

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/** Whether the process has exited, learnt without reaping it (the zombie keeps its pid and group id reserved). */
static bool check_exit(run_t *x, bool block) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
    while (waitid(P_PID, (id_t) x->pid, &info, flags) < 0) {
        if (errno != EINTR) return false;
    }
    if (info.si_pid != x->pid) return false;
    x->exited = true;
    x->exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status; /* as Java's Process.exitValue() */
    return true;
}

/** Kills what still runs, waits for the exit, unlists the process and reaps it. */
static void reap(run_t *x) {
    if (!x->exited) {
        kill_tree(x->pid);
        check_exit(x, true);
    }
    children_remove(&x->listed);
    while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

static void queue_body(run_t *x, const char *data, size_t n) {
    if (x->r->head || n == 0) return;
    if (!x->until_close) buf_printf(&x->queue, "%zx\r\n", n);
    buf_add(&x->queue, data, n);
    if (!x->until_close) buf_add(&x->queue, "\r\n", 2);
}

/** Sends the 200's head: from now on the status cannot change, and a failure can only drop the connection. */
static void commit(run_t *x) {
    request_t *r = x->r;
    response_head(&x->queue, r, 200, NULL, TEXT_PLAIN);
    if (!r->head) {
        if (r->http10) {
            r->keep_alive = false;
            x->until_close = true;
        } else {
            buf_str(&x->queue, "Transfer-Encoding: chunked\r\n");
        }
    }
    response_connection(&x->queue, r);
    r->responded = true;
    x->committed = true;
    queue_body(x, x->held.p, x->held.len);
    buf_free(&x->held);
}

/** Sends what is queued; without `block`, as much as the socket takes now. False when the client is gone. */
static bool queue_flush(run_t *x, bool block) {
    while (x->queue_sent < x->queue.len) {
        ssize_t n = send(x->c->fd, x->queue.p + x->queue_sent, x->queue.len - x->queue_sent, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
        if (n < 0) {
            if (errno == EINTR) continue;
            if (!block && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            return false;
        }
        x->queue_sent += (size_t) n;
    }
    if (x->queue_sent == x->queue.len) {
        x->queue.len = x->queue_sent = 0;
    } else if (x->queue_sent > 64 * 1024) {
        memmove(x->queue.p, x->queue.p + x->queue_sent, x->queue.len - x->queue_sent);
        x->queue.len -= x->queue_sent;
        x->queue_sent = 0;
    }
    return true;
}

static void read_stdout(run_t *x, char *scratch, size_t size) {
    ssize_t n = read(x->out, scratch, size);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        x->out_eof = true;
        return;
    }
    if (x->committed) {
        queue_body(x, scratch, (size_t) n);
        return;
    }
    buf_add(&x->held, scratch, (size_t) n);
    if (x->held.len > HELD_BACK) commit(x);
}

static void read_stderr(run_t *x, char *scratch, size_t size) {
    ssize_t n = read(x->err, scratch, size);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        x->err_eof = true;
        return;
    }
    write_all(2, scratch, (size_t) n);
    size_t keep = x->err_kept.len < STDERR_KEPT ? STDERR_KEPT - x->err_kept.len : 0;
    buf_add(&x->err_kept, scratch, (size_t) n < keep ? (size_t) n : keep);
}

/** Moves body bytes from the connection's buffer to the stdin feed (or drops them once stdin is closed). */
static void take_body(run_t *x) {
    request_t *r = x->r;
    while (x->feed_at == x->feed_length && !r->body.done && !r->body.failed && x->c->position < x->c->limit) {
        x->feed_at = 0;
        x->feed_length = body_take(x->c, &r->body, x->feed, HELD_BACK, &x->why);
        if (x->in < 0) x->feed_length = 0; /* the process closed stdin: the rest of the body is read and dropped */
    }
    if (r->body.failed) x->feed_at = x->feed_length = 0;
    if ((r->body.done || r->body.failed) && x->feed_at == x->feed_length) close_fd(&x->in);
}

static void write_stdin(run_t *x) {
    ssize_t n = write(x->in, x->feed + x->feed_at, x->feed_length - x->feed_at);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) {
        /* The process exited or closed stdin without reading it all: that is its choice. The rest of the body is
         * still read, or the connection could not carry another request. */
        close_fd(&x->in);
        x->feed_at = x->feed_length = 0;
        return;
    }
    x->feed_at += (size_t) n;
}

static void read_socket(run_t *x) {
    ssize_t n = recv(x->c->fd, x->c->in, sizeof x->c->in, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
        x->r->body.failed = true; /* the client went away inside the body */
        return;
    }
    x->c->position = 0;
    x->c->limit = (size_t) n;
    x->body_seen_ns = monotonic_ns();
}

static int64_t earlier(int64_t a, int64_t b) {
    return a < b ? a : b;
}

/** Runs the process to its end: feeds stdin, gathers stdout and stderr, enforces the deadline. */
static void run_process(run_t *x) {
    char *scratch = xmalloc(HELD_BACK);
    x->feed = xmalloc(HELD_BACK);
    request_t *r = x->r;
    x->body_seen_ns = monotonic_ns();
    for (;;) {
        take_body(x);
        bool body_over = r->body.done || r->body.failed;
        if (x->out_eof && x->err_eof && x->exited && body_over && x->in < 0) break;
        int64_t now = monotonic_ns();
        if (!x->timed_out && now >= x->deadline_ns && !(x->exited && x->out_eof && x->err_eof)) {
            x->timed_out = true;
            x->killed_ns = now;
            kill_tree(x->pid);
        }
        if (x->timed_out && x->exited && now - x->killed_ns >= (int64_t) KILL_GRACE_MS * 1000000) {
            x->out_eof = x->err_eof = true; /* pipes held by processes that escaped the kill are not waited for */
        }
        if (!body_over && now - x->body_seen_ns >= (int64_t) IDLE_MS * 1000000) {
            r->body.failed = true; /* the client stalled inside the body */
            continue;
        }
        struct pollfd fds[6];
        int n = 0, socket_at = -1, in_at = -1, out_at = -1, err_at = -1, pid_at = -1;
        short socket_events = 0;
        bool wants_body = !body_over && x->feed_at == x->feed_length && x->c->position == x->c->limit;
        if (wants_body) socket_events |= POLLIN;
        if (x->queue.len > x->queue_sent) socket_events |= POLLOUT;
        if (socket_events) fds[socket_at = n++] = (struct pollfd) {x->c->fd, socket_events, 0};
        if (x->in >= 0 && x->feed_at < x->feed_length) fds[in_at = n++] = (struct pollfd) {x->in, POLLOUT, 0};
        if (!x->out_eof && x->queue.len - x->queue_sent < OUT_QUEUE_MAX) fds[out_at = n++] = (struct pollfd) {x->out, POLLIN, 0};
        if (!x->err_eof) fds[err_at = n++] = (struct pollfd) {x->err, POLLIN, 0};
        if (!x->exited && x->pidfd >= 0) fds[pid_at = n++] = (struct pollfd) {x->pidfd, POLLIN, 0};
        int64_t wake = INT64_MAX;
        if (!x->timed_out) wake = x->deadline_ns;
        else if (!(x->out_eof && x->err_eof)) wake = x->killed_ns + (int64_t) KILL_GRACE_MS * 1000000;
        if (wants_body) wake = earlier(wake, x->body_seen_ns + (int64_t) IDLE_MS * 1000000);
        if (!x->exited && x->pidfd < 0) wake = earlier(wake, now + 5000000);
        int timeout = wake == INT64_MAX ? -1 : wake <= now ? 0 : (int) ((wake - now + 999999) / 1000000);
        if (poll(fds, (nfds_t) n, timeout) < 0 && errno != EINTR) break;
        if (socket_at >= 0 && (fds[socket_at].revents & (POLLOUT | POLLERR | POLLHUP)) && x->queue.len > x->queue_sent) {
            if (!queue_flush(x, false)) {
                x->aborted = true;
                break;
            }
        }
        if (socket_at >= 0 && (fds[socket_at].revents & (POLLIN | POLLERR | POLLHUP)) && wants_body) read_socket(x);
        if (in_at >= 0 && fds[in_at].revents) write_stdin(x);
        if (out_at >= 0 && fds[out_at].revents) read_stdout(x, scratch, HELD_BACK);
        if (err_at >= 0 && fds[err_at].revents) read_stderr(x, scratch, HELD_BACK);
        if (!x->exited && (x->pidfd < 0 || (pid_at >= 0 && fds[pid_at].revents))) check_exit(x, false);
        if (x->queue.len > x->queue_sent && !queue_flush(x, false)) {
            x->aborted = true;
            break;
        }
    }
    free(scratch);
    free(x->feed);
    x->feed = NULL;
}

/** The detail of a command that cannot start, worded as the JVM runtime's. */
static void cannot_start(run_t *x, int error) {
    buf_t message = {0}, detail = {0}, command = {0};
    buf_printf(&message, "Cannot run program \"%s\"", x->f->argv[0]);
    if (x->f->directory) buf_printf(&message, " (in directory \"%s\")", x->f->directory);
    buf_printf(&message, ": error=%d, %s", error, strerror(error));
    buf_list(&command, x->f->argv);
    log_line("[%s] cannot start %s: %s", x->id, command.p, message.p);
    buf_printf(&detail, "%s: %s", x->f->argv[0], message.p);
    reply_error(x->c, x->r, 500, NULL, "cannot start function", detail.p);
    buf_free(&message);
    buf_free(&detail);
    buf_free(&command);
}

/** Spawns the function's process with the three pipes; 0 or an errno. */
static int spawn(run_t *x) {
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        int error = errno;
        close_fd(&in[0]), close_fd(&in[1]), close_fd(&out[0]), close_fd(&out[1]), close_fd(&err[0]), close_fd(&err[1]);
        return error;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    if (x->f->directory) posix_spawn_file_actions_addchdir_np(&actions, x->f->directory);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t none, defaults;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE); /* ignored by the host; a child must die of it, as processes expect */
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    char **owned;
    char **env = child_environment(x->r, x->f, &owned);
    int error = EAGAIN;
    pid_t pid = -1;
    if (children_begin_spawn()) {
        error = posix_spawnp(&pid, x->f->argv[0], &actions, &attributes, x->f->argv, env);
        if (error == ENOEXEC && strchr(x->f->argv[0], '/')) {
            /* A script without a #! line: run by /bin/sh, as the JVM host (the JDK) and a shell run it. */
            size_t n = 0;
            while (x->f->argv[n]) n++;
            char **shell = calloc(n + 2, sizeof *shell);
            if (shell) {
                shell[0] = "/bin/sh";
                for (size_t i = 0; i < n; i++) shell[i + 1] = x->f->argv[i];
                error = posix_spawn(&pid, "/bin/sh", &actions, &attributes, shell, env);
                free(shell);
            }
        }
        children_end_spawn(&x->listed, error == 0 ? pid : -1);
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    free(env);
    free_strings(owned);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&err[1]);
    if (error) {
        close_fd(&in[1]), close_fd(&out[0]), close_fd(&err[0]);
        return error;
    }
    x->pid = pid;
    x->in = in[1];
    x->out = out[0];
    x->err = err[0];
    fcntl(x->in, F_SETFL, O_NONBLOCK);
    fcntl(x->out, F_SETFL, O_NONBLOCK);
    fcntl(x->err, F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
    x->pidfd = (int) syscall(SYS_pidfd_open, pid, 0); /* close-on-exec by definition; -1 on old kernels: exit polled */
#else
    x->pidfd = -1;
#endif
    return 0;
}

/** Serves one invocation; false when the connection must be dropped (the 200 was sent and the function failed). */
static bool exec_invoke(conn_t *c, request_t *r, const function_t *f) {
    run_t x;
    memset(&x, 0, sizeof x);
    x.c = c, x.r = r, x.f = f, x.pidfd = x.in = x.out = x.err = -1;
    const char *given = header_first(r, "X-Tandem-Request-Id");
    if (!blank(given)) snprintf(x.id, sizeof x.id, "%s", given);
    else random_uuid(x.id);
    int error = spawn(&x);
    if (error) {
        cannot_start(&x, error);
        return true;
    }
    x.deadline_ns = monotonic_ns() + f->timeout_ms * 1000000;
    if (!send_continue(c, r)) x.aborted = true;
    else run_process(&x);
    close_fd(&x.in), close_fd(&x.out), close_fd(&x.err);
    if (!x.aborted && !queue_flush(&x, true)) x.aborted = true;
    reap(&x);
    close_fd(&x.pidfd);
    bool ok = !x.aborted;
    if (r->body.failed) r->keep_alive = false;
    if (!ok) {
        /* the client is gone: nothing is left to answer */
    } else if (x.timed_out) {
        log_line("[%s] killed after %lld ms", x.id, f->timeout_ms);
        char detail[64];
        snprintf(detail, sizeof detail, "killed after %lld ms", f->timeout_ms);
        ok = !x.committed && reply_error(c, r, 504, NULL, "function timed out", detail);
    } else if (x.exit_code != 0) {
        log_line("[%s] exited with %d", x.id, x.exit_code);
        if (x.committed) {
            ok = false;
        } else {
            char headers[64], text[32];
            snprintf(headers, sizeof headers, "X-Tandem-Exit-Code: %d\r\n", x.exit_code);
            snprintf(text, sizeof text, "exit code %d\n", x.exit_code);
            ok = x.err_kept.len > 0 ? reply(c, r, 500, headers, TEXT_PLAIN, x.err_kept.p, x.err_kept.len) : reply(c, r, 500, headers, TEXT_PLAIN, text, strlen(text));
        }
    } else if (x.committed) {
        if (!r->head && !x.until_close) buf_add(&x.queue, "0\r\n\r\n", 5);
        ok = queue_flush(&x, true) && !x.until_close;
    } else {
        ok = reply(c, r, 200, NULL, TEXT_PLAIN, x.held.p, x.held.len);
    }
    buf_free(&x.held);
    buf_free(&x.queue);
    buf_free(&x.err_kept);
    return ok;
}

static bool serve_invocation(conn_t *c, request_t *r) {
    char *fenced = lease_refusal(header_first(r, "X-Tandem-Epoch"));
    if (fenced) {
        bool ok = reply_error(c, r, 503, "X-Tandem-Fenced: true\r\n", "instance fenced", fenced);
        free(fenced);
        return ok;
    }
    snapshot_t s = instance_snapshot();
    bool ok;
    char detail[512];
    switch (s.state) {
        case SERVING: ok = exec_invoke(c, r, s.serving); break;
        case FAILED: ok = reply_error(c, r, 500, NULL, "function failed to load", s.detail); break;
        case GENERIC: ok = reply_error(c, r, 503, NULL, "instance not specialized", NULL); break;
        case LOADING:
        default:
            snprintf(detail, sizeof detail, "still loading %s", s.function);
            ok = reply_error(c, r, 503, NULL, "instance not specialized", detail);
    }
    snapshot_free(&s);
    return ok;
}

/* ------------------------------------------------------------------------------------------------ connections */

static atomic_int http_open;

/** Serves one request; false when the connection is to close. */
static bool serve_one(conn_t *c) {
    request_t r;
    refusal_t why = {0};
    int got = read_request(c, &r, &why);
    if (got <= 0) {
        if (got == -1) refuse(c, &why);
        request_free(&r);
        return false;
    }
    bool ok;
    if (!strcmp(r.path, "/_/health")) ok = serve_health(c, &r);
    else if (!strcmp(r.path, "/_/specialize")) ok = serve_specialize(c, &r);
    else ok = serve_invocation(c, &r);
    bool more = ok && r.responded && r.keep_alive && !r.continue_pending && !r.body.failed;
    if (more && !r.body.done) more = body_read(c, &r, NULL, DRAIN_LIMIT, &why);
    request_free(&r);
    return more;
}

static void set_timeouts(int fd, int millis) {
    struct timeval t = {millis / 1000, (millis % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
}

static void *connection_main(void *arg) {
    conn_t *c = arg;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_timeouts(c->fd, IDLE_MS);
    while (serve_one(c)) {
    }
    close(c->fd);
    free(c);
    atomic_fetch_sub(&http_open, 1);
    return NULL;
}

static bool start_thread(void *(*main)(void *), void *arg) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, STACK_SIZE);
    pthread_t thread;
    int error = pthread_create(&thread, &attributes, main, arg);
    pthread_attr_destroy(&attributes);
    return error == 0;
}

/* ------------------------------------------------------------------------------------------------ the control line */

static atomic_int control_open;

typedef struct {
    int fd;
    char in[CONTROL_MAX_LINE];
    size_t position, limit;
} line_conn_t;

/** One line (no '\n', a CR kept), or the partial last one at the end; 1, 0 at the end, -1 failed or too long. */
static int control_line(line_conn_t *l, char *line) {
    size_t n = 0;
    for (;;) {
        if (l->position == l->limit) {
            ssize_t got = read(l->fd, l->in, sizeof l->in);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return -1;
            if (got == 0) {
                line[n] = 0;
                return n > 0 ? 1 : 0;
            }
            l->position = 0;
            l->limit = (size_t) got;
        }
        char ch = l->in[l->position++];
        if (ch == '\n') {
            line[n] = 0;
            return 1;
        }
        if (n == CONTROL_MAX_LINE) return -1;
        line[n++] = ch;
    }
}

/** The answer to one line after hello. */
static void control_answer(const char *line, char *out, size_t size) {
    if (!strcmp(line, "probe")) {
        snprintf(out, size, "ok");
        return;
    }
    /* Java's split(" "): single spaces, trailing empty words dropped. */
    const char *words[5];
    size_t lengths[5], count = 0, non_empty = 0;
    bool too_many = false;
    for (const char *p = line; ; ) {
        size_t n = strcspn(p, " ");
        if (count == 5) too_many = true;
        else words[count] = p, lengths[count++] = n;
        if (n > 0) non_empty = count;
        if (!p[n]) break;
        p += n + 1;
    }
    if (!too_many) count = non_empty;
    if (too_many || count != 4 || lengths[0] != 5 || strncmp(words[0], "lease", 5) != 0) {
        snprintf(out, size, "bad expected 'probe' or 'lease EPOCH MILLIS ISSUED_MS'");
        return;
    }
    long long epoch, millis, issued;
    if (!parse_long(words[1], lengths[1], &epoch) || !parse_long(words[2], lengths[2], &millis) || !parse_long(words[3], lengths[3], &issued)) {
        snprintf(out, size, "bad epoch, lease and issue time must be whole numbers");
        return;
    }
    if (lease_renew(epoch, millis, issued, wall_ms())) snprintf(out, size, "ok");
    else snprintf(out, size, "stale %lld", lease_epoch());
}

static void *control_main(void *arg) {
    line_conn_t *l = arg;
    char line[CONTROL_MAX_LINE + 1], answer[128];
    int one = 1;
    setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_timeouts(l->fd, CONTROL_HELLO_MS);
    if (control_line(l, line) == 1) {
        if (strncmp(line, "hello ", 6) != 0 || !secret_admits(line + 6, strlen(line + 6))) {
            write_all(l->fd, "denied\n", 7);
        } else if (write_all(l->fd, "ok\n", 3)) {
            set_timeouts(l->fd, CONTROL_IDLE_MS);
            while (control_line(l, line) == 1) {
                control_answer(line, answer, sizeof answer - 1);
                strcat(answer, "\n");
                if (!write_all(l->fd, answer, strlen(answer))) break;
            }
        }
    }
    close(l->fd);
    free(l);
    atomic_fetch_sub(&control_open, 1);
    return NULL;
}

static void *control_accept_main(void *arg) {
    int listener = *(int *) arg;
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) usleep(10000);
            continue;
        }
        if (atomic_fetch_add(&control_open, 1) >= CONTROL_MAX_CONNECTIONS) {
            atomic_fetch_sub(&control_open, 1);
            close(fd);
            continue;
        }
        line_conn_t *l = xmalloc(sizeof *l);
        l->fd = fd;
        l->position = l->limit = 0;
        if (!start_thread(control_main, l)) {
            close(fd);
            free(l);
            atomic_fetch_sub(&control_open, 1);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------------ start and stop */

static sigset_t stop_signals;

/** Waits for SIGTERM (or SIGINT): kills every running process's tree, then exits. */
static void *signal_main(void *arg) {
    (void) arg;
    int signal_number = 0;
    while (sigwait(&stop_signals, &signal_number) != 0) {
    }
    pthread_mutex_lock(&children.lock);
    children.terminating = true;
    for (child_t *c = children.first; c; c = c->next) kill_tree(c->pid);
    while (children.spawning > 0) pthread_cond_wait(&children.spawned, &children.lock); /* what they start is killed at once */
    _exit(signal_number == SIGTERM ? 0 : 128 + signal_number);
}

/** A listening socket on 127.0.0.1:port; -1 with errno. */
static int listen_on(int port, int backlog) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *) &address, sizeof address) || listen(fd, backlog)) {
        int error = errno;
        close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

static int bound_port(int fd) {
    struct sockaddr_in address;
    socklen_t length = sizeof address;
    getsockname(fd, (struct sockaddr *) &address, &length);
    return ntohs(address.sin_port);
}

int main(int argc, char **argv) {
    if (argc != 2 || strcmp(argv[1], "exec") != 0) {
        log_line("usage: exec-host exec   (with PORT, and optionally TANDEM_FUNCTION, TANDEM_CODE, TANDEM_COMMAND, TANDEM_TIMEOUT_MS;"
                 " the instance's secret as the first line of standard input)");
        return 2;
    }
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0) open("/dev/null", O_RDWR); /* takes the lowest free number: this one */
    }
    const char *no_secret = read_secret();
    if (no_secret) {
        log_line("tandem-runtime: %s", no_secret);
        return 2;
    }
    const char *port_text = getenv("PORT");
    long long port;
    if (blank(port_text)) {
        log_line("tandem-runtime: PORT is not set");
        return 2;
    }
    if (!parse_trimmed_long(port_text, &port) || port < 0 || port > 65535) {
        log_line("tandem-runtime: PORT must be a port number, was '%s'", port_text);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL); /* every thread started from here on inherits the mask */

    size_t count = count_strings(environ);
    host_env = strings_new(count);
    for (size_t i = 0; i < count; i++) host_env[i] = xstrdup(environ[i]);
    self_specialize();

    int control = listen_on(0, CONTROL_MAX_CONNECTIONS);
    if (control < 0) {
        log_line("tandem-runtime: cannot open the control line: %s", strerror(errno));
        return 2;
    }
    control_port = bound_port(control);
    int listener = listen_on((int) port, 1024);
    if (listener < 0) {
        log_line("tandem-runtime: %s", strerror(errno));
        return 2;
    }
    if (!start_thread(signal_main, NULL) || !start_thread(control_accept_main, &control)) {
        log_line("tandem-runtime: cannot start threads");
        return 2;
    }
    log_line("tandem-runtime: exec listening on 127.0.0.1:%d", bound_port(listener));

    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
                log_line("tandem-runtime: accept failed: %s", strerror(errno));
                usleep(10000);
            }
            continue;
        }
        if (atomic_fetch_add(&http_open, 1) >= MAX_CONNECTIONS) {
            atomic_fetch_sub(&http_open, 1);
            log_line("tandem-runtime: refusing a connection: %d are open", MAX_CONNECTIONS);
            close(fd);
            continue;
        }
        conn_t *c = xmalloc(sizeof *c);
        c->fd = fd;
        c->position = c->limit = 0;
        if (!start_thread(connection_main, c)) {
            close(fd);
            free(c);
            atomic_fetch_sub(&http_open, 1);
        }
    }
}
