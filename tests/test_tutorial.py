"""docs/tutorial.md runs: its python blocks in order in one namespace, its npkg commands via the CLI.

The code is taken from the tutorial as written (nothing is patched in); it runs in a fresh
interpreter with NPKG_HOME pointing at the test build, from a scratch folder in which
``ontology/`` is the build's, so relative paths in the tutorial resolve as in a checkout.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(lang: str) -> list[tuple[int, str]]:
    text = TUTORIAL.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 1, m.group(2)) for m in FENCE.finditer(text) if m.group(1) == lang]


def npkg_commands() -> list[str]:
    cmds = []
    for _, body in blocks("bash"):
        for line in body.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("npkg "):
                cmds.append(line)
    return cmds


@pytest.fixture(scope="module")
def workdir(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("tutorial")
    (work / "ontology").symlink_to(built / "ontology", target_is_directory=True)
    for _, body in blocks("sparql"):
        first = body.splitlines()[0]
        if first.startswith("# file: "):
            (work / first[len("# file: "):].strip()).write_text(body, encoding="utf-8")
    return work


def env(built: Path) -> dict[str, str]:
    return {**os.environ, "NPKG_HOME": str(built), "MPLBACKEND": "Agg"}


def test_the_tutorial_has_code_to_run() -> None:
    assert len(blocks("python")) >= 6
    assert any(c.startswith("npkg sparql first.rq") for c in npkg_commands())
    assert (ROOT / "ontology" / "imports" / "mondo.ttl").is_file(), "section 7 joins with ontology/imports/mondo.ttl"


def test_python_blocks_run_in_order(built: Path, workdir: Path) -> None:
    parts = [f"# --- docs/tutorial.md line {line}\n{body}" for line, body in blocks("python")]
    script = workdir / "tutorial_blocks.py"
    script.write_text("\n".join(parts), encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], cwd=workdir, env=env(built), capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, f"tutorial code failed:\n{res.stderr[-4000:]}"
    out = res.stdout
    assert "NPKG:PostherpeticNeuralgia" in out and "NPKG:amitriptyline" in out
    assert "findings drawn" in out and (workdir / "phn-forest.svg").is_file()
    assert "triples loaded" in out and "postherpetic neuralgia | parent:" in out


@pytest.mark.parametrize("command", npkg_commands())
def test_npkg_commands_run(built: Path, workdir: Path, command: str) -> None:
    args = shlex.split(command)[1:]
    res = subprocess.run([sys.executable, "-m", "npkg.cli", *args], cwd=workdir, env=env(built), capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, f"{command}: exit {res.returncode}\n{res.stderr[-2000:]}"
    if args[0] in ("query", "sparql"):
        assert res.stdout.count("\n") > 1
    out = next((a for a in reversed(args) if "." in a and args[args.index(a) - 1] in ("-o",)), None)
    if out:
        assert (workdir / out).exists()
