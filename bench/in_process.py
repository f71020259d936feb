"""The bench's in-process measurements and fixtures, one subcommand each; run by bench/run.py.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.in_process <command> [options]

Each command prints one JSON object on its last stdout line. Rows are created
through the ORM in batches (``bulk_create``), never one by one. The commands
live by what they measure: bench/fixtures.py (setup, bulk-load, login-users),
bench/request_costs.py (queries, login, instructions), bench/memory_costs.py
(cleanup, revocation-memory, user-cache-memory).
"""

import argparse
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from bench.fixtures import bulk_load, login_users, setup  # noqa: E402
from bench.memory_costs import cleanup, revocation_memory, user_cache_memory  # noqa: E402
from bench.request_costs import instructions, login, queries  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("setup")
    command.add_argument("--streams", type=int, default=16)
    command.add_argument("--tokens", type=int, default=64)
    command.set_defaults(run=setup)
    command = commands.add_parser("bulk-load")
    command.add_argument("--rows", type=int, required=True)
    command.add_argument("--live", type=int, default=8)
    command.add_argument("--streams", type=int, default=8)
    command.set_defaults(run=bulk_load)
    command = commands.add_parser("queries")
    command.add_argument("--sessions", type=int, default=1000)
    command.add_argument("--repeat", type=int, default=3)
    command.set_defaults(run=queries)
    command = commands.add_parser("login")
    command.add_argument("--repeat", type=int, default=10)
    command.set_defaults(run=login)
    command = commands.add_parser("cleanup")
    command.set_defaults(run=cleanup)
    command = commands.add_parser("revocation-memory")
    command.add_argument("--count", type=int, default=100_000)
    command.add_argument("--users", type=int, default=0)
    command.set_defaults(run=revocation_memory)
    command = commands.add_parser("login-users")
    command.add_argument("--count", type=int, default=4)
    command.set_defaults(run=login_users)
    command = commands.add_parser("user-cache-memory")
    command.add_argument("--count", type=int, default=100_000)
    command.set_defaults(run=user_cache_memory)
    command = commands.add_parser("instructions")
    command.add_argument("--variant", choices=("ceiling", "cookie", "bearer"), required=True)
    command.add_argument("--requests", type=int, default=200)
    command.set_defaults(run=instructions)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
