# Set-up and everyday commands. Every target installs what is missing first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# torch is pinned to the CPU build kept in the machine's local wheel folder; an unpinned
# torch (pulled in by openai-whisper) would fetch several GB of CUDA packages.
TORCH := torch==2.13.0

.PHONY: demo test test-long fuzz system venv bench bench-memory bench-batch bench-studio schema clean

demo: venv
	$(PY) -m reelkit render samples/water-main/outline.yaml --out out
	$(PY) -m reelkit render "samples/raw-talk/raw take.mp4" --script samples/raw-talk/narration.txt --out out
	@echo "Demo outputs are in out/ (one MP4 per platform, SRT, VTT, plan.json, cover, metadata)."

test: venv
	$(PY) -m pytest -q

# Also the tests too slow for every run (a model converted again after its cache was cut short).
test-long: venv
	REELKIT_LONG_TESTS=1 $(PY) -m pytest -q tests/faults/test_faults.py tests/faults/test_hostile_media.py

# Property tests of every loader at 10,000 examples each (the suite runs a few dozen).
fuzz: venv
	REELKIT_FUZZ_EXAMPLES=10000 $(PY) -m pytest -q tests/faults/test_fuzz.py

# espeak-ng makes the test speech; installed through apt when missing and we are root.
system:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng fonts-noto-color-emoji >/dev/null) \
	      || echo "warning: could not install espeak-ng; speech tests will be skipped"; \
	  else echo "note: espeak-ng missing (sudo apt-get install espeak-ng); speech tests will be skipped"; fi; }
	@# chromium opens the batch report and drives the studio page in tests (skipped without it).
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; the report and studio browser tests will be skipped"; \
	  else echo "note: chromium missing (sudo apt-get install chromium); the report and studio browser tests will be skipped"; fi; }

$(STAMP): pyproject.toml
	$(MAKE) system
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[test]" "$(TORCH)"
	touch $(STAMP)

venv: $(STAMP)

bench: venv
	$(PY) scripts/bench_render.py
	$(PY) scripts/bench_captions.py
	$(PY) scripts/bench_cut.py
	$(PY) scripts/bench_clean.py

bench-studio: venv   # the studio's caption-edit, cut-change and first-proxy figures (~6 min)
	$(PY) scripts/bench_studio.py

schema: venv   # regenerate the published plan.json and brand.yaml schemas from their dataclasses
	$(PY) -m reelkit.plan.planfile > reelkit/data/plan.schema.json
	$(PY) -m reelkit.brand.schema > reelkit/data/brand.schema.json

# Peak memory of a four-platform render of 1- and 12-minute inputs, cold and warm cache (~25 min).
bench-memory: venv
	$(PY) scripts/bench_memory.py

bench-batch: venv
	$(PY) scripts/bench_batch.py

clean:
	rm -rf out .pytest_cache
