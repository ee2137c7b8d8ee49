#!/bin/sh
# Test stand-in for BORG_BIN: the real borg for everything, except that right
# before `borg prune` of a repository REPO with a marker file REPO.block-prune
# next to it, another real borg takes the repository's lock (as a second
# backup tool or a person running borg would), so the prune fails (or waits)
# the way it really does, with LockTimeout. The holder lets go after
# PRUNE_BLOCK_SECONDS (default 6).
for repo in "$@"; do :; done
if [ "$1" = "prune" ] && [ -e "$repo.block-prune" ]; then
  borg with-lock "$repo" sleep "${PRUNE_BLOCK_SECONDS:-6}" >/dev/null 2>&1 &
  i=0
  while [ ! -d "$repo/lock.exclusive" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
fi
exec borg "$@"
