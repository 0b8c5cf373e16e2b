"""Every config people copy from still loads now that unknown keys fail: the examples, the
TOML samples in the docs and the `roomink init` template; and `roomink init` never leaves a
traceback or overwrites a file silently."""

import re
from pathlib import Path

import pytest

from hub.cli import main
from hub.commands.init import EXAMPLE
from hub.config import load_config, parse_config

ROOT = Path(__file__).parent.parent


def doc_samples() -> list[tuple[str, str]]:
    """(name, text) of each ```toml block in docs/*.md and README.md."""
    samples = []
    for doc in sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md"]):
        blocks = re.findall(r"^```toml\n(.*?)^```", doc.read_text(encoding="utf-8"),
                            re.M | re.S)
        samples += [(f"{doc.name}#{i}", block) for i, block in enumerate(blocks)]
    return samples


@pytest.mark.parametrize("example", sorted(ROOT.glob("examples/*.toml")), ids=lambda p: p.name)
def test_examples_load(example):
    assert load_config(example).rooms


@pytest.mark.parametrize("name, text", doc_samples(), ids=[n for n, _ in doc_samples()])
def test_doc_samples_load(tmp_path, name, text):
    parse_config(text, tmp_path / "roomink.toml")


def test_there_are_doc_samples():
    assert len(doc_samples()) >= 5


def test_init_template_loads_with_its_dashboard(tmp_path):
    from hub.web.config import parse_web_config

    config = parse_config(EXAMPLE, tmp_path / "roomink.toml")
    assert [r.id for r in config.rooms] == ["atlas"] and config.poll_interval_s == 300
    assert parse_web_config(config).loopback_only


def test_init_writes_a_config_that_loads(tmp_path, capsys):
    path = tmp_path / "roomink.toml"
    assert main(["init", str(path)]) == 0
    assert load_config(path).rooms[0].id == "atlas"
    assert "wrote" in capsys.readouterr().out


def test_init_keeps_an_existing_file(tmp_path, capsys):
    path = tmp_path / "roomink.toml"
    path.write_text("# mine\n")
    assert main(["init", str(path)]) == 2
    assert path.read_text() == "# mine\n"
    assert capsys.readouterr().err == f"roomink: error: {path} exists; use --force to overwrite\n"
    assert main(["init", "--force", str(path)]) == 0
    assert path.read_text() == EXAMPLE


@pytest.mark.parametrize("target, force, message", [
    ("no/such/dir/x.toml", False, "cannot write {path}: folder {parent} does not exist"),
    ("no/such/dir/x.toml", True, "cannot write {path}: folder {parent} does not exist"),
    (".", False, "{path} is a folder; name the file, e.g. {path}/roomink.toml"),
    (".", True, "{path} is a folder; name the file, e.g. {path}/roomink.toml"),
])
def test_init_errors_are_one_line(tmp_path, capsys, target, force, message):
    path = tmp_path / target
    argv = ["init", *(["--force"] if force else []), str(path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "roomink: error: " + message.format(path=path, parent=path.parent) + "\n"


def test_init_other_os_errors_are_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    path = tmp_path / "file" / "roomink.toml"
    assert main(["init", str(path)]) == 2
    assert capsys.readouterr().err == f"roomink: error: cannot write {path}: Not a directory\n"
