/*
 * Checking that a kernel function panics, from a host unit test.  The host panic()
 * (tests/host/log_host.c) prints its message to stderr and aborts, so the check runs the
 * function in a forked child and looks at how the child died and what it printed.
 */
#ifndef TESTS_HOST_EXPECT_PANIC_H
#define TESTS_HOST_EXPECT_PANIC_H

/*
 * Runs fn() in a forked child with its stderr captured; fails the current cmocka test unless
 * the child dies of SIGABRT (a panic) and its stderr contains needle.  The child sees a copy of
 * the parent's memory, so fn may break the state it panics on without harming later tests.
 * Called from a cmocka test body (it uses fail_msg); blocks until the child is gone.
 */
void host_expect_panic(void (*fn)(void), const char *needle);

#endif
