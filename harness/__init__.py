"""Toril's Python harness, shared by the whole-system tests (tests/) and the load-test tools
(loadtest/): both boot Toril the same way, talk to it the same way and read its counters the
same way, so a fix to one of these helpers reaches every user of it.

  harness.vm           Vm: one QEMU process (scripts/run-qemu) with the serial console on a pipe
  harness.netns        NetNs: a private network namespace with a (multiqueue) tap in it
  harness.http_client  a strict HTTP/1.1 client that shows exactly what the server sent
  harness.stats        the guest's `stats` console command: one line of counters per core
  harness.hostcpu      a process's host CPU time per thread (/proc/PID/task/*/schedstat)
  harness.noskip       a pytest hook that fails skipped tests (make test allows no skips)
  harness.rawtcp       RawTcp: TCP spoken by the test itself over AF_PACKET on a namespace's tap
  harness.cluster      several VMs behind HAProxy, for the scale-out test and loadtest/cluster

A top-level package rather than a folder inside tests/: loadtest/ is for users and must not
depend on the test suite's layout; both put the repository root on sys.path (tests/conftest.py,
the loadtest/ commands) and import `harness.<module>`.  Standard library only.
"""
