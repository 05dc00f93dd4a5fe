"""fpverify on dask.distributed (a LocalCluster of two worker processes): the same verdicts,
counterexamples, tables and JSON as the local pool; a worker killed mid-campaign loses nothing; an
unreachable scheduler is bad input (exit 2) before any work; a hung task is killed and reported
UNKNOWN; Ctrl-C keeps the partial results."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (a dependency of distributed)

from fpverify.executor import (DaskExecutor, Killed, call_with_deadline, connect, map_with_deadlines,  # noqa: E402
                               run_guarded)
from cli_util import run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # this module's helpers run on workers


@pytest.fixture(scope="module")
def cluster():
    # the workers import this checkout's fpverify and rtl
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c


def _strip_times(doc):
    """JSON without wall-clock fields (the only thing an engine may change). A decomposed proof's
    obligations are raced by z3 and Bitwuzla (staggered portfolio): which one answers first, its
    `solver`, is timing too (seen once differing on a loaded machine)."""
    if isinstance(doc, dict):
        timing = ("seconds", "solver_seconds", "cpu_seconds", "cross_check", "started", "ended", "cached",
                  "from_cache") + (("solver",) if {"refinements", "lemmas"} & doc.keys() else ())
        return {k: _strip_times(v) for k, v in doc.items() if k not in timing}
    if isinstance(doc, list):
        return [_strip_times(v) for v in doc]
    return doc


def _spec(tmp_path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


MUL = ("design rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = rne)\ninput a, b : e4m3fn\n"
       "output y = dut.result : e4m3fn\noutput fl = dut.flags\n")


def test_prove_identical_on_the_cluster(cluster, tmp_path, capsys):
    specs = ["specs/e4m3fn_mul.spec", "specs/e4m3fn_mul_relational.spec",
             _spec(tmp_path, "wrong_mode.spec", MUL + "prove y == mul(a, b, rtz) with flags fl\n"),
             _spec(tmp_path, "decomposed.spec", MUL + "prove y == mul(a, b, rne) with flags fl\n"
                   "use strategy decompose_multiplier\n")]
    local_code, local_out, _ = run_cli(["prove", *specs, "--no-cache", "--json", "-", "--obligations"], capsys)
    code, out, _ = run_cli(["prove", *specs, "--no-cache", "--json", "-", "--obligations",
                            "--scheduler", cluster.scheduler_address], capsys)
    assert local_code == code == 1  # the RTZ property of an RNE unit is refuted
    local, remote = json.loads(local_out), json.loads(out)
    # which counterexample z3 picks depends on the solver's state (what the process built before): a
    # local run of the same spec twice gives two; both engines' are replayed, so compare the rest
    cex = {}
    for name, doc in (("local", local), ("remote", remote)):
        cases = [c for s in doc["specs"] for p in s["properties"] for c in p["cases"] if c["status"] == "REFUTED"]
        assert len(cases) == 1 and "first failing stage" in cases[0]["counterexample"]
        cex[name] = {k: cases[0].pop(k, None) for k in ("inputs", "vectors", "counterexample", "decoded", "localisation")}
    assert _strip_times(remote) == _strip_times(local)
    assert cex["remote"]["inputs"].keys() == cex["local"]["inputs"].keys()


def test_prove_scheduler_from_the_environment(cluster, capsys, monkeypatch):
    monkeypatch.setenv("FPVERIFY_SCHEDULER", cluster.scheduler_address)
    code, out, _ = run_cli(["prove", "specs/e4m3fn_mul.spec", "--no-cache", "--json", "-"], capsys)
    assert code == 0 and json.loads(out)["specs"][0]["properties"][0]["status"] == "PROVED"


def _campaign(executor=None, progress=None):
    from fpverify.cli_faults import _elaborate, properties_from_spec
    from fpverify.dsl import load_spec
    from fpverify.faults.campaign import run_campaign

    spec = load_spec("specs/e4m3fn_mul.spec")
    props, _ = properties_from_spec(spec)
    return run_campaign(_elaborate(spec), props, n=16, seed=3, jobs=1, timeout_s=30, progress=progress,
                        executor=executor)


def _report(rep) -> dict:
    """The campaign's JSON without wall times and without the values of the SMT attribution's
    counterexamples (which model z3 returns depends on the solver's state, in any engine; each is
    replayed, which is checked here)."""
    doc = _strip_times(json.loads(json.dumps(rep.to_json(), default=str)))
    for m in doc["mutants"]:
        for name, check in m.get("checks", {}).items():
            if name.endswith("[smt]") and isinstance(check, dict) and check.get("counterexample"):
                assert check["counterexample"]["replayed"]
                check["counterexample"] = "replayed"
    return doc


def test_campaign_identical_and_survives_a_killed_worker(cluster):
    from fpverify.prove import cache

    with cache.override(False):
        local = _campaign()
        ex = DaskExecutor(cluster)
        pids = ex.client.run(os.getpid)
        killed = []

        def kill_one(res, done, total):  # after the first result, kill one of the two workers
            if not killed:
                pid = next(iter(pids.values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        try:
            remote = _campaign(ex, kill_one)
        finally:
            ex.close()
    assert killed and not remote.interrupted
    assert len(remote.results) == 16
    assert _report(remote) == _report(local)


def test_ctrl_c_keeps_the_partial_campaign(cluster):
    from fpverify.prove import cache

    def interrupt(res, done, total):
        if done == 3:
            raise KeyboardInterrupt
    with cache.override(False):
        ex = DaskExecutor(cluster)
        try:
            rep = _campaign(ex, interrupt)
        finally:
            ex.close()
    assert rep.interrupted and len(rep.results) == 3


def test_ctrl_c_keeps_the_partial_prove_table(cluster, monkeypatch):
    from fpverify.dsl.run import Options, run_specs

    ex = DaskExecutor(cluster)
    seen = []

    def on_result(path, label, res):
        seen.append(label)
        raise KeyboardInterrupt
    try:
        runs, interrupted = run_specs(["specs/e4m3fn_mul_relational.spec"], Options(executor=ex), on_result=on_result)
    finally:
        ex.close()
    statuses = [r.status for r in runs[0].results]
    assert interrupted and statuses.count("PROVED") == 1 and statuses.count("INTERRUPTED") == 3


def _sleep(seconds):
    time.sleep(seconds)
    return "finished"


def _timed_out(item, limit):
    return f"UNKNOWN after {limit:g} s"


def test_hung_task_is_killed_on_the_worker(cluster):
    ex = DaskExecutor(cluster)
    try:
        t0 = time.perf_counter()
        got = dict(ex.map_unordered(_sleep, [60, 0.1], hard_timeout=lambda s: 2.0, on_timeout=_timed_out))
    finally:
        ex.close()
    assert got == {0: "UNKNOWN after 2 s", 1: "finished"}
    assert time.perf_counter() - t0 < 30


def test_batched_tasks_keep_each_items_deadline(cluster):
    """Several items per task (one forked child): a hung item is killed and reported on its own,
    the items after it still run (in a new child) and every index gets its own result."""
    ex = DaskExecutor(cluster)
    try:
        got = dict(ex.map_unordered(_sleep, [0.1, 60, 0.1, 0.2, 0], hard_timeout=lambda s: 2.0,
                                    on_timeout=_timed_out, batch=3))
    finally:
        ex.close()
    assert got == {0: "finished", 1: "UNKNOWN after 2 s", 2: "finished", 3: "finished", 4: "finished"}


def _pid_or_die(x):
    if x == "die":
        os._exit(3)
    if x == "raise":
        raise ValueError("in the task")
    return os.getpid()


def test_map_with_deadlines_one_child_per_run_of_items():
    """Oracle: the items' own outcomes. Items share a child until one is killed or kills it."""
    got = map_with_deadlines(_pid_or_die, [1, 2, "die", 3, "raise", 4], [10] * 6)
    assert [ok for ok, _ in got] == [True, True, False, True, False, True]
    assert got[0][1] == got[1][1] != os.getpid()  # the same forked child
    assert got[3][1] == got[5][1] != got[0][1]  # a new child after the death
    assert isinstance(got[4][1], ValueError) and isinstance(got[2][1], RuntimeError)
    slept = map_with_deadlines(_sleep, [0, 30, 0], [10, 0.5, 10])
    assert slept[0] == (True, "finished") and slept[2] == (True, "finished")
    assert isinstance(slept[1][1], Killed)


def test_call_with_deadline_kills_and_reraises():
    with pytest.raises(Killed):
        call_with_deadline(_sleep, (30,), 0.5)
    assert call_with_deadline(_sleep, (0,), 10) == "finished"
    with pytest.raises(ZeroDivisionError):
        call_with_deadline(divmod, (1, 0), 10)
    assert run_guarded(_sleep, 30, 0.5, _timed_out) == "UNKNOWN after 0.5 s"


@pytest.mark.parametrize("argv", [
    ["prove", "specs/e4m3fn_mul.spec"],
    ["faults", "specs/e4m3fn_mul.spec", "-n", "2"],
    ["vectors", "check", "f32_mul", "-"],
])
def test_unreachable_scheduler_is_bad_input_before_any_work(argv, capsys, monkeypatch):
    import fpverify.executor as executor_mod
    from fpverify.dsl import run as run_mod
    from fpverify.faults import campaign
    from fpverify.vectors import check

    monkeypatch.setattr(executor_mod, "CONNECT_TIMEOUT_S", 2.0)

    def no_work(*a, **k):
        raise AssertionError("work started")
    monkeypatch.setattr(run_mod, "run_specs", no_work)
    monkeypatch.setattr(campaign, "run_campaign", no_work)
    monkeypatch.setattr(check, "check_lines", no_work)
    code, out, err = run_cli([*argv, "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert code == 2 and "cannot reach the dask scheduler at tcp://127.0.0.1:9" in err, err
    code, out, err = run_cli([*argv, "--scheduler", "127.0.0.1:9"], capsys)
    assert code == 2 and "expected tcp://HOST:PORT" in err


def test_connect_without_scheduler_is_the_local_pool():
    ex = connect(None, 3)
    assert not ex.remote and ex.workers == 3


def test_vectors_check_identical_on_the_cluster(cluster, tmp_path, capsys):
    from fpverify.vectors import shards

    vec = tmp_path / "mul.tv"
    code, _, _ = run_cli(["vectors", "gen", "e4m3fn_mul", "-n", "3000", "-o", str(vec)], capsys)
    assert code == 0
    lines = vec.read_text().splitlines()
    for k in (5, 1500, 2999):  # three wrong results, in different shards
        parts = lines[k].split()
        parts[2] = f"{int(parts[2], 16) ^ 1:02X}"
        lines[k] = " ".join(parts)
    vec.write_text("\n".join(lines) + "\n")
    local_code, local_out, _ = run_cli(["vectors", "check", "e4m3fn_mul", str(vec), "--show", "5"], capsys)
    shards.SHARD_LINES = 1000
    try:
        code, out, _ = run_cli(["vectors", "check", "e4m3fn_mul", str(vec), "--show", "5",
                                "--scheduler", cluster.scheduler_address], capsys)
    finally:
        shards.SHARD_LINES = 20000
    assert local_code == code == 1
    strip = lambda s: [ln.split(" in ")[0] for ln in s.splitlines()]  # the summary's wall time differs
    assert strip(out) == strip(local_out)
    assert "3 errors" in out
