# jwtsite: `make run` serves the site, `make test` runs every test.
# Both bootstrap .venv from requirements.txt and skip pip when it has not changed.
# `make serve` runs it as in production (gunicorn, debug off); `make bench` benchmarks it;
# `make soak` loads it for about 10 minutes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv run serve test test-units test-e2e test-fast bench bench-ratios bench-reset bench-mail bench-dpop bench-dbsc soak lint format migrate clean

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# Debug is on for local development unless the caller says otherwise. Passkeys
# and mail links use SITE_URL (WebAuthn's RP ID is its host, and browsers refuse
# passkeys on a bare IP), so in development it follows HOST and PORT, with
# localhost for a loopback or any-address HOST, and runserver announces that name.
RUN_SITE_HOST = $(if $(filter 127.0.0.1 localhost ::1 [::1] 0.0.0.0 ::,$(HOST)),localhost,$(HOST))
RUN_LISTEN = $(if $(filter 127.0.0.1,$(HOST)),localhost,$(HOST))
run: export DJANGO_DEBUG ?= 1
run: export SITE_URL ?= http://$(RUN_SITE_HOST):$(PORT)
run: export DJANGO_ALLOWED_HOSTS ?= localhost,127.0.0.1,[::1],$(RUN_SITE_HOST)
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "jwtsite: open $(SITE_URL)/ (passkeys and mail links use this address$(if $(EMAIL_URL),,; mail is printed here))"
	$(PY) manage.py runserver $(RUN_LISTEN):$(PORT)

# Production: debug off, static files collected (whitenoise serves them), gunicorn
# configured by gunicorn.conf.py (workers, timeouts, logs; see its docstring).
serve: export DJANGO_DEBUG = 0
serve: $(STAMP)
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve: DJANGO_SECRET_KEY is not set; export a long random key (see README, Deploying)." >&2; exit 1; }
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	HOST=$(HOST) PORT=$(PORT) exec $(VENV)/bin/gunicorn --config gunicorn.conf.py jwtsite.wsgi:application

# `make test` = the unit tests, on TEST_WORKERS processes (pytest-xdist), then the
# end-to-end tests (marker e2e: live servers, browsers, other processes) one at a time,
# as their timing budgets assume. `make test-fast`: the unit tests without the fuzzer and
# those marked process or slow (below).
# PYTEST_ARGS goes to both runs (a path that holds no test of one kind skips that run);
# UNIT_MARKS and E2E_MARKS narrow the runs (.ci/run: "e2e and not fault"); E2E_WORKERS=2
# runs two test files at once (each file's tests on one worker, in order; E2E_DIST=load
# spreads single tests instead).
TEST_WORKERS ?= 2
E2E_WORKERS ?= 1
E2E_DIST ?= loadfile
UNIT_MARKS ?= not e2e
E2E_MARKS ?= e2e
test: test-units test-e2e

test-units: $(STAMP)
	$(PY) -m pytest -m "$(UNIT_MARKS)" -n $(TEST_WORKERS) $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-e2e: $(STAMP)
	$(PY) -m pytest -m "$(E2E_MARKS)" $(if $(filter-out 1,$(E2E_WORKERS)),-n $(E2E_WORKERS) --dist $(E2E_DIST)) $(PYTEST_ARGS) || [ $$? -eq 5 ]

# test-fast leaves out the fuzzer (not even collected: building its cases takes seconds per
# process, and schemathesis' plugin stays unloaded) and the unit tests marked process (they start
# python -c, manage.py, redis-server, task workers) or slow; make test-units runs them all.
# Bytecode is cached (the repository ignores __pycache__) even where PYTHONDONTWRITEBYTECODE is set:
# each of the three processes would otherwise compile the project and rewrite every test module.
FAST_MARKS ?= not e2e and not fuzz and not process and not slow
test-fast: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -m "$(FAST_MARKS)" -n $(TEST_WORKERS) -q \
		-p no:schemathesis --ignore=jwtsite/tests/test_fuzz.py $(PYTEST_ARGS)

# Benchmarks (about 20 minutes): prints a table and writes bench/results.md. Its
# PostgreSQL + Redis section uses BENCH_POSTGRES_URL / BENCH_REDIS_URL (default 127.0.0.1).
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

# The acceptance check (about 3 minutes): authenticated /api/me/ against a bare DRF view and
# the peers, side by side; fails when a ratio misses its budget. Writes nothing.
bench-ratios: $(STAMP)
	$(PY) bench/run.py --ratios $(BENCH_ARGS)

# What DPoP costs (about 2 minutes, in process): a DPoP-authenticated request against a Bearer
# one, a bound refresh against an unbound one. Writes bench/results-dpop.md.
bench-dpop: $(STAMP)
	$(PY) bench/dpop.py $(BENCH_ARGS)

# Whether the password-reset answer's time tells a known address from an unknown one (about 1 minute).
bench-reset: $(STAMP)
	$(PY) bench/reset_timing.py $(BENCH_ARGS)

# The mail queue against the thread pool it replaced (about 5 minutes): reset requests per second,
# and request-to-mail latency on SQLite and Redis; writes bench/results-mail.md.
bench-mail: $(STAMP)
	$(PY) bench/mail.py $(BENCH_ARGS)

# A device-bound (DBSC) refresh against an unbound one, in-process (about 2 minutes): proof
# verification plus rotation, ES256 and RS256; writes bench/results-dbsc.md.
bench-dbsc: $(STAMP)
	$(PY) bench/dbsc.py $(BENCH_ARGS)

# The soak (about 10 minutes, not in CI): mixed traffic against `make serve` on
# PostgreSQL + Redis; writes its section of bench/results.md. Locust lives in its
# own virtualenv, bench/.venv, never in requirements.txt.
BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.requirements-installed

$(BENCH_STAMP): bench/requirements.txt
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	@touch $(BENCH_STAMP)

soak: $(STAMP) $(BENCH_STAMP)
	$(PY) bench/soak.py $(SOAK_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
