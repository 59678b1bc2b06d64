/* host_expect_panic(): see expect_panic.h. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/host/expect_panic.h"

void host_expect_panic(void (*fn)(void), const char *needle)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL); /* or the child would print the parent's buffered output again */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        fn();
        _exit(0); /* no panic: the parent reports it */
    }
    close(fds[1]);
    char out[4096];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("expected a panic containing \"%s\", child exited with status %#x", needle,
                 status);
    if (!strstr(out, needle))
        fail_msg("panic message \"%s\" lacks \"%s\"", out, needle);
}
