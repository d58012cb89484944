"""Acceptance: fixtures/original_usage.py, written against the original's DTOs, runs unchanged
with the PyPI `servicestack` client against the DTOs regenerated from our /types/python."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def test_script_written_against_the_original_dtos_runs_against_ours(generated_source, base_url, api_key, amazon_us, tmp_path):
    (tmp_path / "dtos.py").write_text(generated_source, encoding="utf-8")
    shutil.copy(HERE / "fixtures" / "original_usage.py", tmp_path / "original_usage.py")
    env = dict(os.environ, AFFILIATION_BASE_URL=base_url, AFFILIATION_API_KEY=api_key, PROGRAM_GUID=amazon_us)
    run = subprocess.run(
        [sys.executable, "original_usage.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert run.stdout.startswith("ok "), run.stdout
