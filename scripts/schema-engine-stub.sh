#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded offline.
# `prisma generate` only checks that the file exists; anything that runs it fails loudly.
echo "borgql: the native Prisma schema engine is not installed; migrations are applied by the server (src/db/migrate.ts)" >&2
exit 1
