#!/bin/sh
# Test stand-in for BORG_BIN: the real borg for everything, except that
# `borg create` into a repository REPO with a marker file REPO.hold next to it
# waits until the marker is gone (at most 60 s) before borg starts, so a test
# can act on a job that is surely RUNNING. A signal stops the wait as it
# would stop borg.
if [ "$1" = "create" ]; then
  for arg in "$@"; do
    case "$arg" in *::*) repo="${arg%%::*}" ;; esac
  done
  i=0
  while [ -n "$repo" ] && [ -e "$repo.hold" ] && [ $i -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
  done
fi
exec borg "$@"
