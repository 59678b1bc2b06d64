"""Load-test tools for Toril (and any HTTP server): see loadtest/README.md.

  loadtest.wrk          run wrk with a progress line, parse what it prints
  loadtest.bench        toril-bench: wrk scenarios + host CPU + guest stats -> report
  loadtest.report       markdown table, PNG plots, HTML page
  loadtest.linux_guest  a Linux + nginx guest from Debian packages, for --compare linux
  loadtest.idle_watch   idle-watch: a running VM's host CPU, live
"""
