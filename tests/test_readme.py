"""The README's examples run as written (the course example is covered by tests/course)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_install_test_and_main_job():
    text = README.read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    assert blocks[0].splitlines()[0].startswith('pip install -e ".[dev]"')
    assert blocks[0].splitlines()[1].startswith("pytest")
    assert blocks[1].startswith("minidl train wafer")


def test_readme_layer_example_runs(capsys):
    example = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)[0]
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "PASSED" in out and "kernel" in out


def test_readme_model_example_runs(capsys, tmp_path, monkeypatch):
    example = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)[1]
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr()
    assert (
        'Model: "sequential' in out.out and "Total params: 121 " in out.out
    )  # 40 + 16 + (4*4*4 + 1)
    assert "Epoch 1/5" in out.out  # (EarlyStopping may end it before epoch 5)
    assert (tmp_path / "model.h5").is_file() and out.err == ""


def test_every_file_the_readme_names_exists():
    """The tour ("where each concept lives") names only files that exist."""
    root = README.parent
    named = set(
        re.findall(
            r"`((?:minidl|benchmarks|examples|tests|assignments)/[\w/.-]*)`", README.read_text()
        )
    )
    assert len(named) > 40  # the table is there and was read
    missing = sorted(p for p in named if not (root / p).exists())
    assert not missing, f"README.md names files that do not exist: {missing}"
