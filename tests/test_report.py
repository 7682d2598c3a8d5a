"""``longsum report``: a recorded run as one self-contained HTML page. One fake-model run
(first answers breaking the contract, a chunk's calls failing) is reported once; the page
is checked as HTML here and, when ``chromium`` is on PATH, as the DOM a real browser
builds and a screenshot of it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fakes import ScriptedResponder, fake_services
from longsum.cli import app
from longsum.memory.report import render_report
from longsum.settings import Settings

runner = CliRunner()


class _Classes(HTMLParser):
    """Counts elements by class, and keeps the classes of each element by id."""

    def __init__(self) -> None:
        super().__init__()
        self.count: Counter[str] = Counter()
        self.by_id: dict[str, list[str]] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        self.count.update(classes)
        self.scripts += tag == "script"
        if found.get("id"):
            self.by_id[str(found["id"])] = classes
        for name in ("src", "href"):  # nothing may load from elsewhere
            value = found.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), f"{tag} {name}={value}"


def _parsed(html: str) -> _Classes:
    parser = _Classes()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[Path]:
    """The folder of one fake-model run whose first answers break the contract and whose
    second chunk's calls fail, and its report."""
    tmp = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LONGSUM_CACHE_DIR", str(tmp / "cache"))
        mp.setenv("LONGSUM_VECTOR_STORE", "memory")
        mp.setenv("LONGSUM_EMBEDDER", "hashing")
        mp.setenv("LONGSUM_LLM_ATTEMPTS", "2")
        mp.delenv("LONGSUM_MODEL", raising=False)
        mp.delenv("LONGSUM_MAP_MODEL", raising=False)
        # First answers break the contract (repairs follow); part 2's calls fail.
        responder = ScriptedResponder(faults="dpo", fail_chunks=[2])

        def build(settings: Settings, **_: Any) -> Any:
            return fake_services(settings, responder)

        mp.setattr("longsum.graphs.services.build_services", build)
        seed = shared_dir / "data/seed_transcripts/mixtral8x7b.txt"
        done = runner.invoke(app, ["summarize", str(seed), "--model", "fake:x"])
        assert done.exit_code == 0, done.output
        wrote = runner.invoke(app, ["report", "last", "-o", str(tmp / "run.html")])
        assert wrote.exit_code == 0, wrote.output
        assert f"written to {tmp / 'run.html'}" in wrote.stderr
        yield next((tmp / "cache" / "runs").iterdir())


@pytest.fixture(scope="module")
def page(recorded: Path) -> Path:
    return recorded.parents[2] / "run.html"


def _events(folder: Path, kind: str) -> list[dict[str, Any]]:
    lines = (folder / "trace.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == kind]


def test_the_page_holds_sections_bullets_timeline_and_excerpts(recorded: Path, page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    found = _parsed(html)
    assert found.count["section"] == 5
    assert found.count["bullet"] == 20
    assert found.count["node-bar"] == len(_events(recorded, "node_start"))
    # A failed call shows twice: its requests' error, and the record its fallback kept.
    calls = _events(recorded, "llm_call") + _events(recorded, "llm_error")
    assert found.count["llm-bar"] == len(calls) > 0
    assert found.count["failed"] == len([c for c in calls if c.get("failed") or c.get("error")])
    # Every bullet opens on a passage of the chunk it came from, the matching line marked.
    assert found.count["excerpt"] >= 20 and found.count["hit"] == 20
    extended = json.loads((recorded / "result.json").read_text(encoding="utf-8"))["extended"]
    first = extended["sections"][0]["related"][0]
    assert f"{first['chunk_id']} {first['score']:.2f}" in html, "retrieval hits with scores"
    assert found.scripts == 1, "one inline script, nothing loaded"


def test_a_degraded_chunk_is_marked(recorded: Path, page: Path) -> None:
    extended = json.loads((recorded / "result.json").read_text(encoding="utf-8"))["extended"]
    (degraded,) = [d["chunk"] for d in extended["degraded"]]
    found = _parsed(page.read_text(encoding="utf-8"))
    assert "degraded" in found.by_id[f"chunk-{degraded}"]
    healthy = next(c["id"] for c in extended["chunks"] if c["id"] != degraded)
    assert "degraded" not in found.by_id[f"chunk-{healthy}"]


def test_violations_and_each_repair_show_before_and_after(recorded: Path, page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    found = _parsed(html)
    (first, *_) = _events(recorded, "validation")
    assert first["count"] > 0 and found.count["violation"] >= first["count"]
    extended = json.loads((recorded / "result.json").read_text(encoding="utf-8"))["extended"]
    summary = json.loads((recorded / "result.json").read_text(encoding="utf-8"))["summary"]
    repairs = [r for r in extended["validation"]["repairs"] if not r.get("degraded")]
    assert found.count["repair"] == len(repairs) > 0
    fixed = [r for r in repairs if r.get("piece") == "section 1"]
    assert fixed, "the scripted faults break every section"
    # Before: what was wrong; after: the section as the summary holds it.
    assert all(line.replace("'", "&#39;") in html for line in fixed[0]["violations"])
    assert summary["sections"][0]["content"][3].replace("'", "&#39;") in html
    changes = [c for r in repairs for c in r.get("changes") or [] if " to " in c or " as " in c]
    assert found.count["before"] >= len(changes) and found.count["after"] >= 4


def test_transcript_text_is_escaped_not_run(recorded: Path, tmp_path: Path) -> None:
    folder = tmp_path / recorded.name
    shutil.copytree(recorded, folder)
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    hostile = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"
    result["summary"]["sections"][0]["content"][0] = hostile
    (folder / "result.json").write_text(json.dumps(result), encoding="utf-8")
    texts = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
    first = result["extended"]["sections"][0]["chunk_ids"][0]
    texts[first] = hostile + "\n" + texts[first]
    (folder / "chunks.json").write_text(json.dumps(texts), encoding="utf-8")
    html = render_report(folder)
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img" in html
    assert _parsed(html).scripts == 1


def test_a_run_without_chunk_texts_reads_its_source_or_says_it_is_gone(
    recorded: Path, tmp_path: Path
) -> None:
    folder = tmp_path / recorded.name
    shutil.copytree(recorded, folder)
    (folder / "chunks.json").unlink()
    assert "excerpts are read from" in render_report(folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["source"] = str(tmp_path / "deleted.txt")
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    html = render_report(folder)
    assert "is gone: no excerpts" in html and _parsed(html).count["bullet"] == 20


def test_unknown_or_unfinished_runs_are_one_line_errors(recorded: Path, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LONGSUM_CACHE_DIR", str(recorded.parents[1]))
        missing = runner.invoke(app, ["report", "nope", "-o", str(tmp_path / "x.html")])
        assert missing.exit_code == 3 and "no run 'nope'" in missing.stderr
    folder = tmp_path / "runs" / "unfinished"
    shutil.copytree(recorded, folder)
    (folder / "result.json").unlink()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LONGSUM_CACHE_DIR", str(tmp_path))
        failed = runner.invoke(app, ["report", "unfinished", "-o", str(tmp_path / "x.html")])
    assert failed.exit_code == 3 and "no result to report" in failed.stderr
    assert not (tmp_path / "x.html").exists()


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    # Run to completion with a timeout: no browser outlives the test.
    return subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not on PATH")
def test_a_real_browser_builds_the_page_and_draws_it(
    recorded: Path, page: Path, tmp_path: Path
) -> None:
    dom = _chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-500:]
    found = _parsed(dom.stdout)
    assert found.count["section"] == 5 and found.count["bullet"] == 20
    assert found.count["node-bar"] == len(_events(recorded, "node_start"))
    calls = _events(recorded, "llm_call") + _events(recorded, "llm_error")
    assert found.count["llm-bar"] == len(calls)
    shot = tmp_path / "report.png"
    drawn = _chromium(
        f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri(), profile=tmp_path / "p2"
    )
    assert drawn.returncode == 0, drawn.stderr[-500:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000, "a blank page compresses to a few kB"
