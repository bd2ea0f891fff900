#!/usr/bin/env bash
# Adds a migration for both database engines at once: tools/add-migration.sh NameOfChange
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: tools/add-migration.sh NameOfChange" >&2; exit 2; }
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet ef migrations add "$1" --project src/Parley.Server --context SqliteParleyDb   --output-dir Data/Migrations/Sqlite
dotnet ef migrations add "$1" --project src/Parley.Server --context PostgresParleyDb --output-dir Data/Migrations/Postgres
