/*
 * The native baseline of router-hop's exec targets: what a classic watchdog written in a compiled language does, with
 * no Tandem anywhere. An HTTP/1.1 server on 127.0.0.1:$PORT that, per request, runs one script (argv[1]) with the
 * request body on its stdin and Http_Method, Http_Path and Http_Query in its environment (besides PATH, HOME, LANG
 * and LC_ALL of its own), and answers the script's stdout with 200, or "exit code N" with 500. The script's stderr is
 * this process's. It exits when its stdin reaches end of file, so it does not outlive the benchmark that started it.
 *
 * Threads: one accepting thread, one detached thread per connection that reads a request, runs the script (spawned
 * with posix_spawn, which forks as vfork does), and answers, keeping the connection open for the next request;
 * the main thread only waits on stdin.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEAD_MAX 16384

static const char *script;
static char *script_dir;
static char *kept[5];
static int kept_count;

struct conn {
    int fd;
    char buf[HEAD_MAX];
    size_t len;
};

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until the request head is complete; returns the head's length (with its blank line), 0 at a clean end, -1. */
static ssize_t read_head(struct conn *c) {
    for (;;) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (end) return end + 4 - c->buf;
        if (c->len == sizeof c->buf) return -1;
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return c->len == 0 && r == 0 ? 0 : -1;
        c->len += (size_t)r;
    }
}

static long content_length(const char *head, size_t n) {
    const char *p = head, *end = head + n;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol) break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0) return strtol(p + 15, NULL, 10);
        p = eol + 2;
    }
    return 0;
}

static void answer(int fd, int status, const char *body, size_t n) {
    char head[256];
    int h = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
                     status, status == 200 ? "OK" : "Internal Server Error", n);
    if (write_all(fd, head, (size_t)h) == 0 && n > 0) write_all(fd, body, n);
}

/* Runs the script for one request whose head is c->buf[0..head) and whose body follows; answers on c->fd. */
static int serve(struct conn *c, size_t head) {
    char method[16] = "", target[4096] = "";
    if (sscanf(c->buf, "%15s %4095s", method, target) != 2) return -1;
    char *query = strchr(target, '?');
    if (query) *query++ = '\0';
    long length = content_length(c->buf, head);

    char env_method[32], env_path[4200], env_query[4200];
    snprintf(env_method, sizeof env_method, "Http_Method=%s", method);
    snprintf(env_path, sizeof env_path, "Http_Path=%s", target);
    snprintf(env_query, sizeof env_query, "Http_Query=%s", query ? query : "");
    char *envp[9];
    int e = 0;
    for (int i = 0; i < kept_count; i++) envp[e++] = kept[i];
    envp[e++] = env_method;
    envp[e++] = env_path;
    envp[e++] = env_query;
    envp[e] = NULL;

    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0) return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addchdir_np(&fa, script_dir);
    char *argv[] = {(char *)script, NULL};
    pid_t pid;
    int spawned = posix_spawn(&pid, script, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (spawned != 0) {
        close(in[1]);
        close(out[0]);
        char msg[256];
        int m = snprintf(msg, sizeof msg, "cannot start %s: %s\n", script, strerror(spawned));
        answer(c->fd, 500, msg, (size_t)m);
        return 0;
    }

    /* The body: what came with the head, then the rest from the socket, all to stdin (small bodies: no deadlock). */
    size_t have = c->len - head;
    size_t from_buffer = have < (size_t)length ? have : (size_t)length;
    int stdin_ok = write_all(in[1], c->buf + head, from_buffer) == 0;
    long left = length - (long)from_buffer;
    char chunk[8192];
    while (left > 0) {
        ssize_t r = read(c->fd, chunk, left < (long)sizeof chunk ? (size_t)left : sizeof chunk);
        if (r <= 0) break;
        if (stdin_ok) stdin_ok = write_all(in[1], chunk, (size_t)r) == 0;
        left -= r;
    }
    close(in[1]);
    memmove(c->buf, c->buf + head + from_buffer, have - from_buffer);
    c->len = have - from_buffer;

    size_t cap = 8192, n = 0;
    char *output = malloc(cap);
    for (;;) {
        if (n == cap) output = realloc(output, cap *= 2);
        ssize_t r = read(out[0], output + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(out[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0) {
        answer(c->fd, 200, output, n);
    } else {
        char msg[32];
        int m = snprintf(msg, sizeof msg, "exit code %d\n", code);
        answer(c->fd, 500, msg, (size_t)m);
    }
    free(output);
    return left > 0 ? -1 : 0;
}

static void *connection(void *arg) {
    struct conn *c = arg;
    for (;;) {
        ssize_t head = read_head(c);
        if (head <= 0 || serve(c, (size_t)head) < 0) break;
    }
    close(c->fd);
    free(c);
    return NULL;
}

static void *acceptor(void *arg) {
    int listener = *(int *)arg;
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        c->fd = fd;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, connection, c) != 0) {
            close(fd);
            free(c);
        }
        pthread_attr_destroy(&attr);
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *port = getenv("PORT");
    if (argc != 2 || !port) {
        fprintf(stderr, "usage: PORT=N fork-server SCRIPT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    script = argv[1];
    script_dir = strdup(script);
    char *slash = strrchr(script_dir, '/');
    if (slash) *slash = '\0'; else strcpy(script_dir, ".");
    const char *names[] = {"PATH", "HOME", "LANG", "LC_ALL"};
    for (int i = 0; i < 4; i++) {
        const char *v = getenv(names[i]);
        if (!v) continue;
        size_t len = strlen(names[i]) + strlen(v) + 2;
        kept[kept_count] = malloc(len);
        snprintf(kept[kept_count++], len, "%s=%s", names[i], v);
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 1024) < 0) {
        perror("fork-server: bind");
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, acceptor, &listener);
    char sink[512];
    while (read(0, sink, sizeof sink) > 0) {
    }
    return 0;
}
