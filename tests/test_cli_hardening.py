"""The command line never shows a traceback: every error is one line with its exit code.

Text that looks like Rich markup prints as it is, unexpected exceptions and Ctrl-C end in one
line, broken JSON and endless "words" are refused, error hints name options that exist, a
thread id holds one transcript, and a terminal on stdin is told what longsum waits for.
"""

from __future__ import annotations

import ast
import importlib
import os
import random
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fakes import ScriptedResponder, fake_services
from longsum.cli import app
from longsum.cli.app import STDIN_PROMPT
from longsum.errors import InputError
from longsum.settings import Settings
from longsum.tools.chunking import chunk_utterances
from longsum.tools.formats import MAX_WORD_CHARS
from longsum.tools.parsing import parse_text, read_transcript
from longsum.tools.tokens import MAX_RUN_CHARS, TiktokenTokenizer, get_tokenizer
from longsum.tools.transcript import Utterance

runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src"
README = SRC.parent / "README.md"

pytestmark = pytest.mark.usefixtures("isolated_cli")


@pytest.fixture
def seeds(shared_dir: Path) -> tuple[Path, Path]:
    """Two real transcripts that the scripted fake model summarizes (read in place)."""
    folder = shared_dir / "data/seed_transcripts"
    return folder / "mixtral8x7b.txt", folder / "hashing.txt"


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Every run uses the scripted fake model; the settings of each run are collected."""
    seen: list[Settings] = []

    def build(settings: Settings, **_: Any) -> Any:
        seen.append(settings)
        return fake_services(settings, ScriptedResponder())

    monkeypatch.setattr("longsum.graphs.services.build_services", build)
    return seen


def one_error_line(result: Any) -> str:
    """The only stderr line of a failed command, checked to be an error and no traceback."""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("longsum: error: "), lines[0]
    return lines[0]


# ---------------------------------------------------------------- 1. no markup


def test_a_path_with_a_closing_tag_prints_as_it_is(tmp_path: Path) -> None:
    missing = tmp_path / "[" / "x]" / "talk.txt"
    result = runner.invoke(app, ["chunk", str(missing)])
    assert result.exit_code == 3
    assert f"{missing} does not exist" in one_error_line(result)


def test_an_error_holding_a_music_tag_prints_as_it_is(tmp_path: Path) -> None:
    srt = tmp_path / "cues.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nHi.\n\n2\n00:00:0x,000 --> [/Music]\nYo.\n")
    result = runner.invoke(app, ["chunk", str(srt)])
    assert result.exit_code == 3
    assert "[/Music]" in one_error_line(result)


def test_a_file_name_and_text_like_markup_are_shown_verbatim(tmp_path: Path) -> None:
    vtt = tmp_path / "[bold]talk.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Ada>[b]Keys[/b] map to buckets.\n")
    result = runner.invoke(app, ["chunk", str(vtt)])
    assert result.exit_code == 0, result.output
    assert "[bold]talk.vtt: vtt" in result.stdout
    assert "Keys[/b] map" in result.stdout  # a bare closing tag: a MarkupError in Rich


def test_an_output_path_with_brackets_is_named_in_the_done_line(
    tmp_path: Path, scripted: list[Settings], seeds: tuple[Path, Path]
) -> None:
    source = seeds[0]
    folder = tmp_path / "[" / "x]"
    folder.mkdir(parents=True)
    result = runner.invoke(
        app, ["summarize", str(source), "-m", "fake:x", "-o", f"{folder}/s.json"]
    )
    assert result.exit_code == 0, result.output
    assert f"written to {folder}/s.json" in result.stderr


# ---------------------------------------------------------------- 2. unexpected exceptions


def _raising(exc: BaseException) -> Any:
    def build(*_: Any, **__: Any) -> Any:
        raise exc

    return build


def _validation_error() -> Exception:
    try:
        Settings(max_tokens="many")  # type: ignore[arg-type]
    except Exception as exc:  # pydantic's ValidationError, multi-line
        return exc
    raise AssertionError("no error")


def _node_timeout() -> Exception:
    from langgraph.errors import NodeTimeoutError

    return NodeTimeoutError("summarize_chunk", 601.0, kind="run", run_timeout=600.0)


@pytest.mark.parametrize("make", [_validation_error, _node_timeout])
def test_an_unexpected_exception_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Any
) -> None:
    exc = make()
    monkeypatch.setattr("longsum.graphs.services.build_services", _raising(exc))
    source = tmp_path / "talk.txt"
    source.write_text("Hello there.\n", encoding="utf-8")  # never read: the run fails first
    result = runner.invoke(app, ["summarize", str(source), "-m", "fake:x"])
    assert result.exit_code == 1
    line = one_error_line(result)
    assert line.startswith(f"longsum: error: internal error: {type(exc).__name__}: ")
    assert line.endswith("(run with LONGSUM_DEBUG=1 for the traceback)")


def test_longsum_debug_lets_the_traceback_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LONGSUM_DEBUG", "1")
    monkeypatch.setattr("longsum.tools.chunking.chunk_transcript", _raising(ValueError("x")))
    vtt = tmp_path / "talk.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n")
    result = runner.invoke(app, ["chunk", str(vtt)])
    assert isinstance(result.exception, ValueError)


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("longsum.tools.chunking.chunk_transcript", _raising(KeyboardInterrupt()))
    vtt = tmp_path / "talk.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n")
    result = runner.invoke(app, ["chunk", str(vtt)])
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines() == ["longsum: interrupted"]


# ---------------------------------------------------------------- 3. JSON that does not parse

TRUNCATED = '{"segments": [{"start": 0.0, "end": 2.5, "text": " Hello there."}, {"start": 2.5, '


@pytest.mark.parametrize("name", ["asr.json", "asr.txt"])
def test_truncated_whisper_json_is_refused_with_its_position(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(TRUNCATED, encoding="utf-8")
    result = runner.invoke(app, ["chunk", str(path)])
    assert result.exit_code == 3
    line = one_error_line(result)
    assert f"{path} is not valid JSON" in line
    assert f"line 1 column {len(TRUNCATED) + 1}" in line and "truncated" in line
    assert "--input-format text" in line


def test_a_json_suffix_must_hold_json_but_text_forced_reads(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("Hello there, plain words.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes\.json is not valid JSON: Expecting value"):
        read_transcript(path)
    assert read_transcript(path, format="text").utterances[0].text == "Hello there, plain words."


@pytest.mark.parametrize(
    "text", ["{vocalsound} okay so we start\n", "[Music] hello\n", "[00:01] Ann: hi\n"]
)
def test_tags_and_stamps_opening_text_are_not_json(text: str) -> None:
    assert parse_text(text).format.value != "whisper"


# ---------------------------------------------------------------- 4. no super-linear work


class _SpyEncoding:
    """A tiktoken encoding that records the longest run without spaces it was given and
    how many characters it encoded in all."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.longest_run = 0
        self.chars = 0

    def _seen(self, text: str) -> None:
        self.chars += len(text)
        self.longest_run = max([self.longest_run, *(len(w) for w in text.split())])

    def encode_ordinary(self, text: str) -> list[int]:
        self._seen(text)
        return list(self.real.encode_ordinary(text))

    def encode_ordinary_batch(self, texts: list[str], num_threads: int = 1) -> list[list[int]]:
        return [self.encode_ordinary(t) for t in texts]

    def decode(self, ids: list[int], errors: str = "strict") -> str:
        return str(self.real.decode(ids, errors=errors))


def test_chunking_a_megabyte_without_spaces_is_linear() -> None:
    real = get_tokenizer()
    spy = _SpyEncoding(real._enc)  # type: ignore[attr-defined]
    tokenizer = TiktokenTokenizer(spy, real.name)
    said = "Hello there, this is a sentence. " * 20
    texts = [said, "a" * 1_000_000, said]
    utterances = [Utterance(index=i, text=t) for i, t in enumerate(texts)]
    chunks = chunk_utterances(utterances, max_tokens=3000, overlap_tokens=80, tokenizer=tokenizer)
    assert "".join(c.own_text for c in chunks).count("a") >= 1_000_000
    assert all(c.token_count <= 3000 for c in chunks)
    # Linear: tiktoken never sees a run longer than the bound, nor the text many times over.
    assert spy.longest_run <= MAX_RUN_CHARS
    assert spy.chars < 20 * sum(map(len, texts))  # some 10 passes over it


def test_a_count_in_pieces_stays_close_to_the_whole() -> None:
    tokenizer = get_tokenizer()
    word = "".join(random.Random(4).choice("abcdefghij") for _ in range(3 * MAX_RUN_CHARS))
    text = f"so the {word} ends"
    whole = len(tokenizer._enc.encode_ordinary(text))  # type: ignore[attr-defined]
    assert abs(tokenizer.count(text) - whole) <= 3
    assert tokenizer.truncate(text, 50) == text[: len(tokenizer.truncate(text, 50))]


def test_unpunctuated_speech_is_cut_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from longsum.tools import sentences

    seen: list[int] = []
    real = sentences._best_cut

    def spy(words: list[str], target: int, max_words: int) -> int:
        seen.append(len(words))
        return real(words, target, max_words)

    monkeypatch.setattr(sentences, "_best_cut", spy)
    chinese = "我们今天讨论缓存和内存的设计" * 2000  # an hour of ASR on one line, no stop
    english = "so we talk about caching and memory design here " * 2000
    for line in (chinese, english):
        spans = sentences.split_spans(line)
        assert "".join(spans).replace(" ", "") == line.replace(" ", "")
    # Each cut looks a span ahead, not at the whole rest of the line (quadratic).
    assert seen and max(seen) <= sentences.MAX_WORDS + 1


def test_a_megabyte_with_no_word_boundary_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_text("Hello there.\n" + "a" * 1_000_000 + "\nBye now.\n", encoding="utf-8")
    began = time.perf_counter()
    result = runner.invoke(app, ["chunk", str(path)])
    assert time.perf_counter() - began < 20  # generous: the point is no minutes-long hang
    assert result.exit_code == 3
    line = one_error_line(result)
    assert f"{path}: line 2 has no word boundaries in 1.0 MB" in line


def test_long_unspaced_chinese_and_a_long_url_are_speech() -> None:
    chinese = "我们今天讨论缓存和内存的设计" * 400  # unpunctuated ASR: no space at all
    assert parse_text(chinese + "\n").utterances[0].text == chinese
    url = "https://example.com/?q=" + "x" * (MAX_WORD_CHARS - 40)
    assert parse_text(f"see {url} there\n").utterances[0].text.endswith("there")


# ---------------------------------------------------------------- 5. hints name real options


def _commands() -> dict[str, dict[str, str]]:
    """Every command's options: ``{command: {"--option": parameter name}}``."""
    found: dict[str, dict[str, str]] = {}

    def walk(command: Any, name: str) -> None:
        options = {
            opt: p.name
            for p in command.params
            for opt in [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])]
        }
        found[name] = {o: n for o, n in options.items() if o.startswith("--")}
        found[name]["--help"] = "help"  # every command's, added by Click
        for sub_name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{name} {sub_name}".strip())

    walk(typer.main.get_command(app), "")
    if "eval" in found:  # a door to the eval's own command line, which holds its options
        from longsum_eval.cli import app as eval_app

        walk(typer.main.get_command(eval_app), "eval")
    return found


def _strings(path: Path) -> list[str]:
    """The string literals of a module, docstrings left out (they may cite other tools)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def test_every_option_named_in_a_message_exists_with_one_meaning() -> None:
    commands = _commands()
    problems = []
    for path in sorted((SRC / "longsum").rglob("*.py")):
        shared = "cli" not in path.relative_to(SRC / "longsum").parts
        for text in _strings(path):
            for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", text):
                meanings = {opts[option] for opts in commands.values() if option in opts}
                if not meanings:
                    problems.append(f"{path.name}: {option} is no option of any command")
                elif shared and len(meanings) > 1:
                    # A reader's hint shows under several commands: it must mean one thing.
                    problems.append(f"{path.name}: {option} means {sorted(meanings)}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_option_in_the_readme_command_table_exists_on_its_command() -> None:
    commands = _commands()
    rows = [line for line in README.read_text(encoding="utf-8").splitlines()]
    checked = 0
    for row in rows:
        named = re.match(r"\| `longsum (\w+)", row)
        if named is None or named.group(1) not in commands:
            continue
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", row):
            assert option in commands[named.group(1)], f"{named.group(1)} has no {option}"
            checked += 1
    for option in re.findall(r"`(--[a-z][a-z-]*)", README.read_text(encoding="utf-8")):
        assert any(option in opts for opts in commands.values()), option
    assert checked > 10


# ---------------------------------------------------------------- 6. --encoding, --max-input-mb


def test_summarize_reads_another_encoding_and_a_size_limit(
    tmp_path: Path, scripted: list[Settings], seeds: tuple[Path, Path]
) -> None:
    path = tmp_path / "café.txt"
    text = seeds[0].read_text(encoding="utf-8").replace(" the ", " thé ")
    path.write_bytes(text.encode("cp1252", errors="replace"))
    refused = runner.invoke(app, ["summarize", str(path), "--dry-run", "-m", "fake:x"])
    assert refused.exit_code == 3 and "--encoding" in one_error_line(refused)
    args = ["summarize", str(path), "-m", "fake:x", "--encoding", "cp1252"]
    planned = runner.invoke(app, [*args, "--dry-run"])
    assert planned.exit_code == 0, planned.output
    done = runner.invoke(app, [*args, "--max-input-mb", "1"])
    assert done.exit_code == 0, done.output
    assert (scripted[-1].text_encoding, scripted[-1].max_input_mb) == ("cp1252", 1.0)
    small = runner.invoke(app, [*args, "--max-input-mb", "0.001"])
    assert small.exit_code == 3
    assert "over the 0.001 MB limit" in one_error_line(small)


# ---------------------------------------------------------------- 7. one transcript per thread


def test_a_thread_id_refuses_another_transcript_and_resumes_its_own(
    scripted: list[Settings], seeds: tuple[Path, Path]
) -> None:
    first, other = seeds
    ran = runner.invoke(app, ["summarize", str(first), "-m", "fake:x", "--thread-id", "t"])
    assert ran.exit_code == 0, ran.output
    refused = runner.invoke(app, ["summarize", str(other), "-m", "fake:x", "--thread-id", "t"])
    assert refused.exit_code == 2
    line = one_error_line(refused)
    assert "thread 't' already holds a run on another transcript" in line
    assert str(first) in line and "--thread-id" in line
    piped = runner.invoke(
        app,
        ["summarize", "-", "-m", "fake:x", "--thread-id", "t"],
        input=other.read_text(encoding="utf-8"),
    )
    assert piped.exit_code == 2
    again = runner.invoke(app, ["summarize", str(first), "-m", "fake:x", "--thread-id", "t"])
    assert again.exit_code == 0, again.output
    assert again.stdout == ran.stdout
    same = runner.invoke(
        app,
        ["summarize", "-", "-m", "fake:x", "--thread-id", "t"],
        input=first.read_text(encoding="utf-8"),
    )
    assert same.exit_code == 0 and same.stdout == ran.stdout


# ---------------------------------------------------------------- 8. a terminal on stdin


def test_a_terminal_on_stdin_is_told_what_longsum_waits_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    piped = runner.invoke(app, ["chunk", "-", "--json"], input="Hello there.\n")
    assert piped.exit_code == 0 and piped.stderr == ""  # a pipe: nobody to tell
    # The module, by import: the attribute longsum.cli.app is the Typer app itself.
    cli_app = importlib.import_module("longsum.cli.app")
    monkeypatch.setattr(cli_app, "stdin_is_terminal", lambda: True)
    result = runner.invoke(app, ["chunk", "-", "--json"], input="[00:00:01] Ann: Hello there.\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [STDIN_PROMPT]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_ctrl_c_while_summarize_waits_on_a_terminal_stops_it(tmp_path: Path) -> None:
    master, slave = os.openpty()
    env = {
        **os.environ,
        "LONGSUM_CACHE_DIR": str(tmp_path / "cache"),
        "LONGSUM_VECTOR_STORE": "memory",
        "LONGSUM_EMBEDDER": "hashing",
    }
    env.pop("LONGSUM_MODEL", None)
    # Ctrl-C's handler set here: a test runner started in the background may ignore SIGINT.
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from longsum.cli import main; sys.argv = ['longsum', *sys.argv[1:]]; main()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "summarize", "-"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    try:
        said = b""
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        while b"Ctrl-C to cancel" not in said and time.monotonic() < deadline:
            if select.select([proc.stderr], [], [], 1)[0]:
                said += os.read(proc.stderr.fileno(), 4096)
        assert STDIN_PROMPT.encode() in said
        os.write(master, b"half a line")  # typed, not ended: the read goes on waiting
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 130
    assert (said + rest).decode().strip().splitlines()[-1] == "longsum: interrupted"
    assert b"Traceback" not in said + rest
