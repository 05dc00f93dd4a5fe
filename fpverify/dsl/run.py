"""Run specs: load, elaborate, split into obligations, discharge them (in-process or on a pool of
worker processes), and collect per-property results. Interrupts keep what finished."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InputError
from ..exitcodes import STATUS_CODES, ExitCode
from ..exitcodes import combine as combine_codes
from .check import CheckedSpec, check_spec
from .cases import Case, cases_of, split_is_complete
from .compile import prove_case
from .verdicts import CaseResult, PropertyResult, combine
from .parser import parse_file

DEFAULT_TIMEOUT = 60.0


@dataclass
class Options:
    timeout: float | None = None  # None: the spec's `timeout`, else DEFAULT_TIMEOUT
    solver: str | None = None  # None: the spec's `solver`, else z3
    jobs: int = 1
    vcd_dir: Path | None = None
    only: tuple[str, ...] = ()  # property names to run (empty: all)
    executor: object = None  # a remote `fpverify.executor.Executor` (a dask cluster); None: local processes


@dataclass
class Loaded:
    spec: CheckedSpec
    component: object
    netlist: object
    tasks: list[tuple[int, Case]]


@dataclass
class SpecRun:
    file: str
    design: str = ""
    results: list[PropertyResult] = field(default_factory=list)
    error: str | None = None  # a bad-input message (file:line:col: error: ...)
    seconds: float = 0.0

    def to_json(self) -> dict:
        out = {"spec": self.file, "design": self.design, "seconds": round(self.seconds, 3),
               "properties": [r.to_json() for r in self.results]}
        if self.error:
            out["error"] = self.error
        return out


def load(path: str | Path, only: tuple[str, ...] = ()) -> Loaded:
    """Parse, check, elaborate and bind one spec; raises `InputError`."""
    from .design import elaborate_cached, elaborate_reference_cached

    try:
        sf = parse_file(path)
        spec = check_spec(sf)
        component, netlist = elaborate_cached(spec)
        reference = elaborate_reference_cached(spec)
        spec = check_spec(sf, netlist=netlist, component=component, reference=reference)
    except RecursionError:
        raise InputError("the spec is nested too deeply", str(path)) from None
    props = spec.properties
    if only:
        names = {p.name for p in props}
        missing = [n for n in only if n not in names]
        if missing:
            raise InputError(f"no property named {', '.join(missing)} (have: {', '.join(sorted(names))})",
                             str(path))
    tasks = []
    for i, p in enumerate(props):
        if only and p.name not in only:
            continue
        for c in cases_of(spec, p.splits):
            tasks.append((i, c))
    return Loaded(spec, component, netlist, tasks)


_WORKER_CACHE: dict[str, Loaded] = {}


def _run_task(args) -> tuple[int, CaseResult]:
    path, only, task_index, timeout, solver = args
    loaded = _WORKER_CACHE.get(path)
    if loaded is None:
        loaded = _WORKER_CACHE[path] = load(path, only)
    prop_index, case = loaded.tasks[task_index]
    prop = loaded.spec.properties[prop_index]
    return task_index, prove_stamped(loaded.spec, loaded.netlist, prop, case,
                                     timeout=_timeout(loaded.spec, timeout), solver=_solver(loaded.spec, solver))


def prove_stamped(*args, **kwargs) -> CaseResult:
    """`prove_case` with the wall-clock start and end of the obligation recorded in the result."""
    started = time.time()
    res = prove_case(*args, **kwargs)
    res.started, res.ended = round(started, 3), round(time.time(), 3)
    return res


def _remote_prepare(item) -> None:
    """On a cluster worker: the proof cache as the client has it, and the spec loaded once."""
    from ..prove import cache as proof_cache

    from ..prove import api  # noqa: F401 - imported once here, not in every forked task

    args, cache_settings = item
    proof_cache.apply_settings(cache_settings)
    path, only = args[0], args[1]
    if path not in _WORKER_CACHE:
        _WORKER_CACHE[path] = load(path, only)


def _remote_task(item) -> tuple[int, CaseResult]:
    return _run_task(item[0])


def _remote_killed(item, limit: float) -> tuple[int, CaseResult]:
    """The result of a task the worker killed at its hard time limit: UNKNOWN, never PROVED."""
    args = item[0]
    return args[2], CaseResult("", "UNKNOWN", limit, "", message=f"timeout: killed on the worker after {limit:g} s")


def hard_limit(timeout: float | None) -> float:
    """Seconds after which a cluster worker kills an obligation's process: the solver's own
    timeout (a proof and, for assumptions, its vacuity check) plus a margin for building it."""
    t = DEFAULT_TIMEOUT if timeout is None else timeout
    return 2 * t + 30.0


def _timeout(spec: CheckedSpec, cli: float | None) -> float | None:
    """Seconds per obligation. None under a decomposition strategy with no explicit timeout: the
    strategy file's own per-lemma timeout applies."""
    if cli is not None:
        return cli
    if spec.timeout is not None:
        return spec.timeout
    return None if spec.decompose is not None else DEFAULT_TIMEOUT


def _solver(spec: CheckedSpec, cli: str | None) -> str | None:
    """None under a decomposition strategy with no explicit solver: the strategy's solver."""
    return cli or spec.solver or (None if spec.decompose is not None else "z3")


Progress = Callable[[str, str, CaseResult | None], None]  # (spec file, property [case], result)


def run_specs(paths: list[str], options: Options, on_load: Callable[[str, int], None] | None = None,
              on_result: Progress | None = None,
              on_obligation: Callable[[str, str, str, object], None] | None = None
              ) -> tuple[list[SpecRun], bool]:
    """Run every spec; returns (runs, interrupted). Bad specs are reported in ``SpecRun.error``.
    ``on_obligation(file, label, event, item)`` follows the obligations of decomposed proofs."""
    runs: list[SpecRun] = []
    loaded: dict[int, Loaded] = {}
    for path in paths:
        run = SpecRun(str(path))
        runs.append(run)
        try:
            ld = load(path, options.only)
        except InputError as e:
            run.error = str(e)
            continue
        run.design = ld.spec.design.text
        for p in ld.spec.properties:
            if p.splits and not split_is_complete(ld.spec, p.splits):
                run.error = f"{ld.spec.file}:{p.pos.line}:{p.pos.col}: error: the case split is incomplete"
        if run.error:
            continue
        loaded[len(runs) - 1] = ld
        if on_load:
            on_load(str(path), len(ld.tasks))
    results: dict[tuple[int, int], CaseResult] = {}
    work = [(ri, ti) for ri, ld in loaded.items() for ti in range(len(ld.tasks))]
    # decomposed proofs run in this process: the engine has its own solver pool (of --jobs
    # processes, or one per CPU with the default -j 1), and pool workers cannot fork one
    decomposed = [w for w in work if _is_decomposed(loaded[w[0]], w[1])]
    work = [w for w in work if w not in decomposed]
    interrupted = False
    started = time.perf_counter()
    try:
        for ri, ti in decomposed:
            ld = loaded[ri]
            pi, case = ld.tasks[ti]
            prop = ld.spec.properties[pi]
            label = _label(prop.name, case)
            cb = (lambda ev, item, f=runs[ri].file, lb=label: on_obligation(f, lb, ev, item)) if on_obligation else None
            workers = options.executor if options.executor is not None else (
                options.jobs if options.jobs > 1 else None)  # a cluster: obligations go to its workers
            res = prove_stamped(ld.spec, ld.netlist, prop, case, timeout=_timeout(ld.spec, options.timeout),
                                solver=_solver(ld.spec, options.solver), workers=workers, progress=cb)
            results[(ri, ti)] = res
            if on_result:
                on_result(runs[ri].file, _label(prop.name, case), res)
        if options.executor is not None and work:
            from ..prove import cache as proof_cache

            settings = proof_cache.settings()
            items = [((str(Path(runs[ri].file).resolve()), options.only, ti, options.timeout, options.solver),
                      settings) for ri, ti in work]
            limits = {id(item): hard_limit(_timeout(loaded[ri].spec, options.timeout))
                      for item, (ri, _) in zip(items, work)}
            for i, (ti, res) in options.executor.map_unordered(
                    _remote_task, items, hard_timeout=lambda item: limits[id(item)], on_timeout=_remote_killed,
                    prepare=_remote_prepare):
                ri, _ = work[i]
                ld = loaded[ri]
                pi, case = ld.tasks[ti]
                res.case = case.label
                results[(ri, ti)] = res
                if on_result:
                    on_result(runs[ri].file, _label(ld.spec.properties[pi].name, case), res)
        elif options.jobs <= 1 or len(work) <= 1:
            for ri, ti in work:
                ld = loaded[ri]
                pi, case = ld.tasks[ti]
                prop = ld.spec.properties[pi]
                res = prove_stamped(ld.spec, ld.netlist, prop, case, timeout=_timeout(ld.spec, options.timeout),
                                 solver=_solver(ld.spec, options.solver))
                results[(ri, ti)] = res
                if on_result:
                    on_result(runs[ri].file, _label(prop.name, case), res)
        else:  # the local pool: --jobs spawned processes, each loading the spec once
            from ..executor import LocalExecutor

            args = [(runs[ri].file, options.only, ti, options.timeout, options.solver) for ri, ti in work]
            for i, (ti, res) in LocalExecutor(options.jobs).map_unordered(_run_task, args):
                ri, _ = work[i]
                results[(ri, ti)] = res
                if on_result:
                    ld = loaded[ri]
                    pi, case = ld.tasks[ti]
                    on_result(runs[ri].file, _label(ld.spec.properties[pi].name, case), res)
    except KeyboardInterrupt:
        interrupted = True
    for ri, ld in loaded.items():
        by_prop: dict[int, list[CaseResult]] = {}
        for ti, (pi, case) in enumerate(ld.tasks):
            res = results.get((ri, ti)) or CaseResult(case.label, "INTERRUPTED", 0.0, "")
            by_prop.setdefault(pi, []).append(res)
        for pi, cases in by_prop.items():
            p = ld.spec.properties[pi]
            runs[ri].results.append(combine(p.name, p.kind, p.pos.line, cases))
        runs[ri].seconds = sum(r.seconds for r in runs[ri].results)
        if options.vcd_dir is not None:
            write_vcds(ld, runs[ri], options.vcd_dir)
    del started
    return runs, interrupted


def _is_decomposed(ld: Loaded, task_index: int) -> bool:
    pi, _ = ld.tasks[task_index]
    return ld.spec.decompose is not None and ld.spec.properties[pi].kind == "equivalence"


def _label(name: str, case: Case) -> str:
    return f"{name} [{case.label}]" if case.label else name


def write_vcds(ld: Loaded, run: SpecRun, vcd_dir: Path) -> None:
    """One VCD per refuted property: every design evaluation of its replayed counterexample."""
    from ..hdl.pysim import write_vcd

    vcd_dir.mkdir(parents=True, exist_ok=True)
    for r in run.results:
        cex = r.counterexample
        if cex is None or not cex.vectors:
            continue
        path = vcd_dir / f"{Path(run.file).stem}.{r.name}.vcd"
        # the simulator drives the clock domain itself: the spec's clock and reset are no data inputs
        domain = {p for p in (ld.spec.clock, ld.spec.reset.port if ld.spec.reset else None) if p}
        vectors = [{k: v for k, v in vec.items() if k not in domain} for vec in cex.vectors]
        try:
            write_vcd(ld.component, vectors, path, latency=ld.spec.latency or 0)
            cex.message = (cex.message + "; " if cex.message else "") + f"vcd: {path}"
            cex.vcd = str(path)
        except Exception as e:  # noqa: BLE001 - a failed waveform must not hide the result
            cex.message = (cex.message + "; " if cex.message else "") + f"vcd failed: {e}"


def exit_code(runs: list[SpecRun], interrupted: bool) -> int:
    """The `fpverify.exitcodes` contract over every property of every spec: 1 refuted (or vacuous)
    > 130 interrupted > 4 internal error (an ERROR verdict) > 2 bad input > 3 unknown > 0 all proved."""
    codes = [STATUS_CODES[r.status] for run in runs for r in run.results]
    codes += [ExitCode.BAD_INPUT for run in runs if run.error]
    if interrupted:
        codes.append(ExitCode.INTERRUPTED)
    return int(combine_codes(codes))
