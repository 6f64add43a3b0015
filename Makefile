# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install, build the seed ledger, serve it on http://127.0.0.1:8001
#   make test   create .venv, install (and Debian's chromium where missing), run every test
#   make test-fast  the tests without the slow and browser ones; make format  lay the code out
#   make check-spark  Spark in local mode (and a JDK, where missing) re-checks a Parquet export
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install demo test test-fast format bench bench-10m browser screenshots check-spark clean eval model polnear

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The demo ledger, built from seeds/ with ledger commands only.
ledger.db: $(INSTALLED) seeds/build seeds/*.jsonl seeds/aliases.tsv seeds/mends.tsv seeds/*.txt schema.sql
	rm -f ledger.db ledger.db-wal ledger.db-shm
	sh seeds/build ledger.db $(BIN)/ledger

demo: ledger.db
	@echo "Serving the seed ledger on http://127.0.0.1:8001 (Ctrl-C stops it)"
	$(BIN)/ledger --db ledger.db serve --host 127.0.0.1 --port 8001

browser:
	@sh scripts/install-chromium

test: $(INSTALLED) browser
	$(BIN)/python -m pytest

# The edit loop: every test but the slow fault and load tests and the browser tests.
test-fast: $(INSTALLED)
	$(BIN)/python -m pytest -m "not slow and not browser"

# The code's layout, as tests/test_format.py checks it.
format: $(INSTALLED)
	$(BIN)/ruff format ledger tests benchmarks scripts

# The screenshots of README.md and docs/datasette.md, taken by the browser tests.
screenshots: $(INSTALLED) browser
	LEDGER_SCREENSHOTS=docs $(BIN)/python -m pytest -m browser tests/test_browser.py

# Not part of `make test`: Spark in local mode reads a Parquet export of the seed ledger and
# finds the ledger's counts and its whole chain (scripts/check_spark.py). It needs a Java
# runtime: Debian's, installed where there is none.
check-spark: $(INSTALLED) ledger.db
	command -v java >/dev/null || (apt-get update && apt-get install -y default-jdk-headless)
	$(BIN)/pip install --quiet -e '.[test,spark]'
	$(BIN)/python scripts/check_spark.py ledger.db

bench: $(INSTALLED)
	$(BIN)/python benchmarks/run_all.py

# The figures at 10,000,000 records (hours, and about 20 GB under bench-data/): not part of make bench.
bench-10m: $(INSTALLED)
	$(BIN)/python benchmarks/run_all.py --ten-million

# The reader of `ledger suggest`, scored on PolNeAR's dev split and on the seed article
# (docs/suggest.md); not part of make test. POLNEAR names a checkout of
# github.com/networkdynamics/PolNeAR; `make polnear` clones one there.
POLNEAR ?= bench-data/PolNeAR

polnear:
	test -d $(POLNEAR)/data || git clone --depth 1 https://github.com/networkdynamics/PolNeAR $(POLNEAR)

eval: ledger.db
	test -d $(POLNEAR)/data || $(MAKE) polnear
	$(BIN)/python -m ledger.suggest.evaluate $(POLNEAR) --seed ledger.db

# The reader's model, trained again on PolNeAR's train split: the same bytes as the one committed.
model: $(INSTALLED)
	test -d $(POLNEAR)/data || $(MAKE) polnear
	$(BIN)/python -m ledger.suggest.train $(POLNEAR)

clean:
	rm -rf $(VENV) ledger.db ledger.db-wal ledger.db-shm
