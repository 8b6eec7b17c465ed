"""The README's examples run as written (the course example is covered by tests/course)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_install_test_and_main_job():
    text = README.read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    assert blocks[0].splitlines()[0].startswith('pip install -e ".[dev]"')
    assert blocks[0].splitlines()[1].startswith("pytest")
    assert blocks[1].startswith("minidl train cat")


def test_readme_layer_example_runs(capsys):
    example = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)[0]
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "PASSED" in out and "kernel" in out
