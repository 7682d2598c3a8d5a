"""Benchmark: longsum on a local GGUF model against the model's own speed.

In one process: (a) the model's prefill rate (tokens/s over a prompt the size of longsum's
map prompts on this transcript, which carry most of its prompt tokens) and decode rate
(tokens/s over ~200 tokens generated after that prompt), measured with llama_cpp directly on the
very ``Llama`` longsum will use (loaded the way longsum loads it: same n_ctx, threads and
buffer types); then (b) longsum on a transcript with ``llamacpp:<gguf>`` through
``longsum.api.run_summary``. From the run's token usage:

    limit = prompt_tokens / prefill_rate + completion_tokens / decode_rate

the time the model alone needs for exactly the tokens longsum asked it for, counting only the
prompt tokens it had to prefill (those not read from llama.cpp's cache: the start a prompt
shares with an earlier call's, see ``longsum.agent.llamacpp_states``). Both rates fall
as the context grows (a 3.5k-token prompt prefills ~15% slower per token than a 1.5k one on
this machine), so they are measured at the size longsum's prompts have. Targets:
longsum's wall <= 1.10 x limit; prompt tokens <= 1.3 x the transcript's tokens, and the
uncached ones <= 1.05 x on a long transcript (over 40k tokens: the 3 h 42 min podcast) and
<= 1.25 x on a shorter one (the 46-minute meeting). Per node, it prints prompt tokens, cached
and uncached.

Every llama.cpp request of the run is timed too (llama.cpp's own counters: tokens really
prefilled after prompt-cache reuse, prefill and decode milliseconds), so the report shows
where the wall time goes: per node against its share of the limit, prefill, decode, the
rest of each request (sampling under the JSON-schema grammar, Python per token), and
longsum's own work between requests. The per-token cost of that grammar is measured
apart too, on one map prompt with and without it.

longsum gives an in-process llama.cpp model one call at a time whatever
``settings.concurrency`` says (``Services.ask`` sizes its gate 1 for provider
``llamacpp``; ``LlamaCppChat`` also locks its ``Llama``), so calls never contend with each
other for the cores; the report prints the most requests seen in flight at once.

The model is the argument, else ``LONGSUM_TEST_GGUF``; without one the benchmark says so
and exits 0. Prints the figures; asserts nothing about time. Other processes busy on the
same cores slow llama.cpp down sharply (its threads wait for each other), so the load
average is printed before and after, and the rates are measured again after the run.

    .venv/bin/python benchmarks/bench_local_model.py [GGUF] [--transcript FILE]
        [--prompt-tokens N (default: a map prompt's size)] [--decode-tokens 200] [--repeat 2]
        [--save RESULT.json] [--eval-cache DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REAL = Path(__file__).resolve().parents[2] / "shared/data/real"
DEFAULT_TRANSCRIPT = REAL / "podcast_lex_lisa_randall.txt"  # 59 minutes, ~14k tokens
TARGET_WALL, TARGET_PROMPT = 1.10, 1.3
# Uncached prompt tokens per transcript token: 1.05 on a long podcast (the 3 h 42 min one),
# 1.25 on a shorter transcript (the 46-minute meeting), where the fixed calls weigh more.
TARGET_UNCACHED_LONG, TARGET_UNCACHED, LONG_TOKENS = 1.05, 1.25, 40_000


@dataclass
class Rates:
    """Prefill and decode rates of one measurement, in tokens per second."""

    prefill: float
    decode: float


@dataclass
class Request:
    """One ``create_chat_completion`` of the run, as llama.cpp's counters saw it."""

    wall_s: float
    prefilled: int
    prefill_ms: float
    decoded: int
    decode_ms: float
    sample_ms: float
    ok: bool


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def measure_rates(llm: Any, text: str, prompt_tokens: int, decode_tokens: int) -> Rates:
    """Prefill ``prompt_tokens`` tokens of ``text`` from an empty cache, then decode
    ``decode_tokens`` tokens (EOS or not), sampling as longsum does (temperature 0.2)."""
    tokens = llm.tokenize(text.encode("utf-8"))
    while len(tokens) < prompt_tokens:
        tokens += tokens
    tokens = tokens[:prompt_tokens]
    llm.reset()  # no prefix of this prompt may be reused from an earlier request
    generator = llm.generate(tokens, temp=0.2, top_k=40, top_p=0.95, min_p=0.05)
    began = time.perf_counter()
    next(generator)  # the whole prompt is evaluated, then the first token sampled
    prefilled = time.perf_counter()
    for _ in range(decode_tokens):
        next(generator)  # evaluate the previous token, sample the next
    decoded = time.perf_counter()
    generator.close()
    llm.reset()
    return Rates(prompt_tokens / (prefilled - began), decode_tokens / (decoded - prefilled))


def map_prompt_tokens(llm: Any, text: str, settings: Any) -> int:
    """Model tokens of a typical map prompt on ``text``: a chunk at the bound longsum
    chooses for it, its overlap, and ~300 tokens of instructions and chat template."""
    from longsum.graphs.services import chunk_bounds
    from longsum.tools.tokens import get_tokenizer

    cl100k = get_tokenizer(settings.encoding).count(text)
    per_cl100k = len(llm.tokenize(text.encode("utf-8"), add_bos=False)) / max(cl100k, 1)
    bound, overlap = chunk_bounds(cl100k, settings)
    return round((bound + overlap) * per_cl100k) + 300


def best_of(llm: Any, text: str, args: argparse.Namespace) -> tuple[Rates, list[Rates]]:
    runs = [
        measure_rates(llm, text, args.prompt_tokens, args.decode_tokens) for _ in range(args.repeat)
    ]
    return Rates(max(r.prefill for r in runs), max(r.decode for r in runs)), runs


def instrument(llm: Any) -> tuple[list[Request], dict[str, int]]:
    """Time every ``create_chat_completion`` of ``llm`` from now on, with llama.cpp's
    counters (reset before each request); count the requests in flight at once."""
    import llama_cpp

    requests: list[Request] = []
    flight = {"now": 0, "max": 0}
    guard = threading.Lock()
    original = llm.create_chat_completion

    def timed(*args: Any, **kwargs: Any) -> Any:
        with guard:
            flight["now"] += 1
            flight["max"] = max(flight["max"], flight["now"])
        llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
        began, ok = time.perf_counter(), False
        try:
            result = original(*args, **kwargs)
            ok = True
            return result
        finally:
            wall = time.perf_counter() - began
            perf = llama_cpp.llama_perf_context(llm._ctx.ctx)
            sampler = getattr(getattr(llm, "_sampler", None), "sampler", None)
            sample_ms = llama_cpp.llama_perf_sampler(sampler).t_sample_ms if sampler else 0.0
            requests.append(
                Request(
                    wall_s=wall,
                    prefilled=perf.n_p_eval,
                    prefill_ms=perf.t_p_eval_ms,
                    decoded=perf.n_eval,
                    decode_ms=perf.t_eval_ms,
                    sample_ms=sample_ms,
                    ok=ok,
                )
            )
            with guard:
                flight["now"] -= 1

    llm.create_chat_completion = timed
    return requests, flight


def request_overhead(llm: Any, text: str, decode_tokens: int) -> dict[str, float]:
    """Milliseconds per decoded token spent in a chat request beyond llama.cpp's prefill
    and decode (sampling, Python per token, templating), for longsum's map prompt on the
    start of ``text``: without a grammar; with the chunk-notes JSON-schema grammar that
    longsum sends (``response_format``) sampled grammar-last, as longsum does; and with
    that grammar applied to the whole vocabulary per token (llama-cpp-python's own way)."""
    import llama_cpp

    from longsum.agent.llamacpp import to_llama_messages
    from longsum.agent.prompts import CHUNK_NOTES, render
    from longsum.agent.schemas import ChunkNotesDraft

    words = text.split()[:700]
    messages = to_llama_messages(
        render(CHUNK_NOTES, ChunkNotesDraft, number=1, total=8, span="", text=" ".join(words))
    )
    grammar = {"type": "json_object", "schema": ChunkNotesDraft.model_json_schema()}
    out: dict[str, float] = {}
    patched = "_init_sampler" in vars(llm)
    for name, response_format in (("plain", None), ("grammar", grammar), ("full", grammar)):
        saved = vars(llm).pop("_init_sampler", None) if name == "full" else None
        llm.reset()
        llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
        began = time.perf_counter()
        try:
            llm.create_chat_completion(
                messages=messages,
                max_tokens=decode_tokens,
                temperature=0.2,
                response_format=response_format,
            )
        finally:
            if saved is not None:
                llm._init_sampler = saved
        wall = time.perf_counter() - began
        perf = llama_cpp.llama_perf_context(llm._ctx.ctx)
        rest = wall - (perf.t_p_eval_ms + perf.t_eval_ms) / 1000
        out[f"{name}_ms"] = 1000 * rest / max(perf.n_eval, 1)
        out[f"{name}_tokens"] = perf.n_eval
        out[f"{name}_decode"] = perf.n_eval / max(perf.t_eval_ms / 1000, 1e-9)
    out["grammar_last"] = float(patched)
    llm.reset()
    return out


def trace_events(cache_dir: Path) -> list[dict[str, Any]]:
    from longsum.memory.runs import read_trace

    folders = sorted((cache_dir / "runs").glob("*/"))
    return read_trace(folders[-1]) if folders else []


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "gguf", nargs="?", default=os.environ.get("LONGSUM_TEST_GGUF"), help="a GGUF file"
    )
    parser.add_argument("--transcript", type=Path, default=DEFAULT_TRANSCRIPT)
    parser.add_argument(
        "--prompt-tokens", type=int, default=None, help="default: a map prompt's size"
    )
    parser.add_argument("--decode-tokens", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2, help="rate measurements (best kept)")
    parser.add_argument(
        "--no-recheck", action="store_true", help="skip measuring the rates again after"
    )
    parser.add_argument("--save", type=Path, help="write the run's result (JSON) here")
    parser.add_argument(
        "--eval-cache",
        type=Path,
        help="store the run as longsum eval's output for this transcript and model, in the "
        "eval cache under this folder (LONGSUM_CACHE_DIR of the eval that scores it)",
    )
    args = parser.parse_args()
    if not args.gguf:
        print("skipped: no model (give a GGUF path, or set LONGSUM_TEST_GGUF)")
        return 0
    gguf = Path(args.gguf).expanduser()
    if not gguf.is_file():
        print(f"skipped: {gguf} does not exist")
        return 0
    if not args.transcript.is_file():
        print(f"skipped: {args.transcript} not found (../shared beside the repo?)")
        return 0
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        print("skipped: llama-cpp-python is not installed (pip install 'longsum[llamacpp]')")
        return 0

    from longsum.agent.models import load_chat_model
    from longsum.api import run_summary
    from longsum.errors import SummaryValidationError
    from longsum.graphs.services import build_services
    from longsum.settings import load_settings

    text = args.transcript.read_text(encoding="utf-8")
    spec = f"llamacpp:{gguf.resolve()}"
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="longsum-bench-") as tmp:
        cache_dir = Path(tmp)
        settings = load_settings(cache_dir=cache_dir)
        # The chat model longsum builds for this spec, and the Llama behind it: loaded once
        # per (file, n_ctx, threads) and kept for the process, so the run below uses it too.
        chat: Any = load_chat_model(spec, settings)
        began = time.perf_counter()
        llm, _, contexts = chat._llama()
        load_s = time.perf_counter() - began
        if args.prompt_tokens is None:
            args.prompt_tokens = map_prompt_tokens(llm, text, settings)
        measure_rates(llm, text, 64, 8)  # warm up: weights paged in, threads started
        rates, runs = best_of(llm, text, args)
        overhead = request_overhead(llm, text, args.decode_tokens)

        contexts.forget()  # the rate measurements left the context on their own prompts
        requests, flight = instrument(llm)
        began = time.perf_counter()
        services = build_services(settings, model=spec)
        built = time.perf_counter()
        failure: SummaryValidationError | None = None
        try:
            result: Any = await run_summary(args.transcript, services=services)
        except SummaryValidationError as exc:  # its cost is measured all the same
            failure, result = exc, None
        wall = time.perf_counter() - began
        graph_s = time.perf_counter() - built
        events = trace_events(cache_dir)

        after: Rates | None = None
        if not args.no_recheck:
            del llm.create_chat_completion  # the instance's own method again
            after, _ = best_of(llm, text, args)
        # The ratio's two sides in the same tokens: the model's, which its usage counts in.
        transcript_tokens = len(llm.tokenize(text.encode("utf-8"), add_bos=False))
    load_after = load_average()

    ext = result.extended if failure is None else (failure.extended or {})
    usage = ext["usage"]
    prompt, completion = usage["prompt_tokens"], usage["completion_tokens"]
    uncached = usage["prompt_tokens_uncached"]
    limit = uncached / rates.prefill + completion / rates.decode
    ratio = wall / limit
    prompt_ratio = prompt / transcript_tokens
    uncached_ratio = uncached / transcript_tokens
    if args.eval_cache:  # `longsum eval` with LONGSUM_CACHE_DIR=DIR scores this run
        from longsum_eval.runner import cache_path, failed_output, output_of, store_output

        scored = load_settings(cache_dir=args.eval_cache)
        if failure is None:
            output = output_of("longsum", args.transcript, result, spec)
        else:
            output = failed_output("longsum", args.transcript, spec, failure, scored)
        output.wall_s = round(wall, 2)
        store_output(cache_path(scored, "longsum", spec, args.transcript), output)
    if args.save:
        summary = (
            result.summary.model_dump(mode="json", by_alias=True)
            if failure is None
            else failure.candidate
        )
        saved = {"summary": summary, "extended": ext, "error": str(failure or "")}
        args.save.write_text(json.dumps(saved, indent=1, ensure_ascii=False), encoding="utf-8")

    print(
        f"model            {gguf.name}  ({gguf.stat().st_size / 1e6:.0f} MB, "
        f"loaded in {load_s:.1f} s)"
    )
    print(
        f"llama.cpp        n_ctx {chat.n_ctx}, threads {chat.n_threads} "
        f"(cores: {os.cpu_count()}), n_batch {llm.n_batch}, extra buffers off"
    )
    print(
        f"concurrency      settings.concurrency {settings.concurrency}, effective 1 "
        f"(llamacpp: Services.ask gate of 1 + Llama lock); most requests in flight: "
        f"{flight['max']}"
    )
    print(f"load average     {load_before} before, {load_after} after")
    print()
    print(f"(a) model speed, best of {args.repeat}, on {args.transcript.name}'s text")
    for i, r in enumerate(runs):
        print(
            f"  run {i + 1}          prefill {r.prefill:7.1f} tok/s   decode {r.decode:6.2f} tok/s"
        )
    print(
        f"  prefill        {rates.prefill:7.1f} tok/s  ({args.prompt_tokens} tokens, empty cache)"
    )
    print(f"  decode         {rates.decode:7.2f} tok/s  ({args.decode_tokens} tokens, no grammar)")
    print(
        f"  chat request   beyond prefill+decode: {overhead['plain_ms']:.1f} ms/token plain "
        f"({overhead['plain_tokens']:.0f} tokens), {overhead['grammar_ms']:.1f} ms/token with "
        f"the notes grammar sampled grammar-last ({overhead['grammar_tokens']:.0f} tokens), "
        f"{overhead['full_ms']:.1f} ms/token with it over the whole vocabulary "
        f"({overhead['full_tokens']:.0f} tokens)"
        + ("" if overhead["grammar_last"] else "  [grammar-last not installed]")
    )
    if after is not None:
        print(
            f"  after the run  prefill {after.prefill:7.1f} tok/s   "
            f"decode {after.decode:6.2f} tok/s"
        )
    print()
    print(f"(b) longsum on {args.transcript.name}")
    if failure is not None:
        print(f"  ended invalid   {failure}")
    print(
        f"  transcript     {transcript_tokens} model tokens ({ext['transcript']['tokens']} "
        f"cl100k), {len(ext['chunks'])} chunks; "
        f"repair rounds {ext['validation']['repair_rounds']}"
    )
    print("  calls          " + ", ".join(f"{n} {k}" for k, n in usage_by_node(usage)))
    print(
        f"  prompt tokens  {prompt} ({usage['cached_prompt_tokens']} read from llama.cpp's "
        f"cache, {uncached} uncached)   completion tokens {completion}"
    )
    print(
        f"  limit          {limit:7.1f} s  = {uncached} uncached / {rates.prefill:.1f} + "
        f"{completion} / {rates.decode:.2f}  ({uncached / rates.prefill:.1f} s prefill + "
        f"{completion / rates.decode:.1f} s decode)"
    )
    print(
        f"  longsum wall   {wall:7.1f} s  (services {built - began:.1f} s + graph {graph_s:.1f} s)"
    )
    verdict = "meets" if ratio <= TARGET_WALL else "misses"
    print(f"  wall / limit   {ratio:7.2f} x  (target <= {TARGET_WALL} x: {verdict})")
    verdict = "meets" if prompt_ratio <= TARGET_PROMPT else "misses"
    print(
        f"  prompt / transcript tokens {prompt_ratio:.2f}  (target <= {TARGET_PROMPT}: {verdict})"
    )
    target = TARGET_UNCACHED_LONG if transcript_tokens > LONG_TOKENS else TARGET_UNCACHED
    verdict = "meets" if uncached_ratio <= target else "misses"
    print(
        f"  uncached prompt / transcript tokens {uncached_ratio:.2f}  (target <= {target} "
        f"{'over' if transcript_tokens > LONG_TOKENS else 'up to'} {LONG_TOKENS} tokens: "
        f"{verdict})"
    )
    if after is not None:
        late = uncached / after.prefill + completion / after.decode
        print(
            f"  with the rates measured after: limit {late:.1f} s, wall / limit {wall / late:.2f} x"
        )
    print()
    print_breakdown(requests, events, ext, rates, wall, transcript_tokens)
    print(f"  saved contexts put back: {contexts.restored}")
    return 0


def usage_by_node(usage: dict[str, Any]) -> list[tuple[str, int]]:
    return [(node, int(v["calls"])) for node, v in usage["by_node"].items()]


def print_breakdown(
    requests: list[Request],
    events: list[dict[str, Any]],
    ext: dict[str, Any],
    rates: Rates,
    wall: float,
    transcript_tokens: int,
) -> None:
    """Where the run's wall time went: per node against its share of the limit, then
    inside and outside the llama.cpp requests."""
    usage = ext["usage"]
    attempts = sum(int(c.get("attempts", 1)) for c in ext["calls"])
    kept = sum(bool(c.get("kept_partial")) for c in ext["calls"])
    print(
        "per node        calls  prompt  cached uncached (x transcript)  compl.  latency   "
        "limit  latency/limit"
    )
    for node, v in sorted(usage["by_node"].items(), key=lambda kv: -kv[1]["latency_s"]):
        fresh = v["prompt_tokens_uncached"]
        share = fresh / rates.prefill + v["completion_tokens"] / rates.decode
        print(
            f"  {node:<15} {v['calls']:>3} {v['prompt_tokens']:>7} "
            f"{v['cached_prompt_tokens']:>7} {fresh:>8} ({fresh / transcript_tokens:5.2f})     "
            f"{v['completion_tokens']:>7} {v['latency_s']:>7.1f}s {share:>6.1f}s  "
            f"{v['latency_s'] / share:6.2f} x"
        )
    inside = sum(r.wall_s for r in requests)
    prefill_s = sum(r.prefill_ms for r in requests) / 1000
    decode_s = sum(r.decode_ms for r in requests) / 1000
    prefilled = sum(r.prefilled for r in requests)
    decoded = sum(r.decoded for r in requests)
    failed = sum(not r.ok for r in requests)
    errors = Counter(e.get("node") for e in events if e.get("event") == "llm_error")
    print()
    print("where the time went (llama.cpp's counters over every request of the run)")
    print(
        f"  requests       {len(requests)} ({failed} raised); usage counts "
        f"{usage['llm_calls']} calls, {attempts} requests with regrowths; failed calls in "
        f"the trace: {dict(errors) or 0}"
    )
    print(f"  cut off, kept  {kept} answers kept without their unfinished last value")
    print(
        f"  prefilled      {prefilled} of {usage['prompt_tokens']} prompt tokens "
        f"({usage['prompt_tokens'] - prefilled} reused from llama.cpp's prompt cache; "
        f"usage says {usage['cached_prompt_tokens']} cached)"
    )
    print(f"  decoded        {decoded} tokens")
    print(f"  in requests    {inside:7.1f} s")
    print(f"    prefill      {prefill_s:7.1f} s  ({prefilled / max(prefill_s, 1e-9):.1f} tok/s)")
    print(f"    decode       {decode_s:7.1f} s  ({decoded / max(decode_s, 1e-9):.2f} tok/s)")
    rest = inside - prefill_s - decode_s
    print(
        f"    other        {rest:7.1f} s  ({1000 * rest / max(decoded, 1):.1f} ms per decoded "
        f"token: sampling with the grammar, Python per token, templating)"
    )
    print(f"  outside them   {wall - inside:7.1f} s  (services, split, embed, index, plan, ...)")
    if prefill_s and decode_s:
        # The limit again at the speeds llama.cpp really had during the run: what is left is
        # longsum's own overhead, whatever else the machine was doing.
        in_run = usage["prompt_tokens_uncached"] / (prefilled / prefill_s) + usage[
            "completion_tokens"
        ] / (decoded / decode_s)
        print(f"  limit at in-run rates {in_run:.1f} s: wall / that limit {wall / in_run:.2f} x")
    spans: dict[str, float] = defaultdict(float)
    for e in events:
        if e.get("event") == "node_end" and e.get("node") in ("split_transcript", "index_chunks"):
            spans[str(e.get("node"))] += float(e.get("duration_s") or 0.0)
    if spans:
        print("  " + ", ".join(f"{node} {sec:.1f} s" for node, sec in spans.items()))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
