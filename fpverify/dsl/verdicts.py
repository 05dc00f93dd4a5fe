"""Proof results: one `CaseResult` per obligation (a property, or one case of its split), combined
into a `PropertyResult` per property."""

from __future__ import annotations

from dataclasses import dataclass, field

STATUS_ORDER = ("PROVED", "REFUTED", "UNKNOWN", "VACUOUS", "ERROR", "INTERRUPTED")


@dataclass
class CaseResult:
    case: str  # "" for an unsplit property
    status: str
    seconds: float
    solver: str
    counterexample: str | None = None
    inputs: dict[str, int] | None = None  # counterexample input values (spec names)
    message: str = ""
    vectors: list[dict[str, int]] | None = None  # every design evaluation of the replay (port values)
    lemmas: list[str] | None = None  # decomposed proofs: the lemmas the verdict relies on
    obligations: dict[str, int] | None = None  # decomposed proofs: obligation count per kind
    strategy: str | None = None  # decomposed proofs: the decomposition strategy
    decomposition: dict | None = None  # decomposed proofs: `prove.report.result_json` (per obligation)
    cached: str | None = None  # "cached, <date>, <solver>": the answer came from the proof cache
    localisation: dict | None = None  # a counterexample's stages: first_failing, stages (`prove.report.stage_json`)
    vcd: str | None = None  # the counterexample's waveform file, when one was written
    decoded: dict[str, str] | None = None  # counterexample inputs as text: name -> "0x3 (1.5)"
    started: float | None = None  # wall-clock (epoch) seconds the obligation started and ended
    ended: float | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}

    def take_counterexample(self, spec, netlist, cex, localisation=None) -> None:
        """Record a prover's counterexample (inputs under their spec names, the design's port
        vector, the decoded text and its localisation); one that did not replay is an ERROR."""
        names = {p.port: n for n, p in spec.inputs.items()}
        self.inputs = {names.get(k, k): v for k, v in cex.inputs.items()}
        self.decoded = decoded_inputs(spec, self.inputs)
        self.vectors = [{k: v for k, v in cex.inputs.items() if k in netlist.inputs}]
        self.counterexample = cex.decoded
        if localisation is not None:
            from ..prove.report import localisation_json

            self.counterexample += "\n" + localisation.text()
            self.localisation = localisation_json(localisation)
        if self.status == "REFUTED" and not cex.replayed:
            self.status = "ERROR"
            self.message = "counterexample did not replay (tool bug, not a design bug)"


def decoded_inputs(spec, inputs: dict[str, int]) -> dict[str, str]:
    """Counterexample inputs as a person reads them: a float input as its code and value, any
    other input as its number and hex (an input the spec does not declare as a number)."""
    from ..prove.render import code_text
    from .types import FloatT

    out = {}
    for name, value in inputs.items():
        decl = spec.inputs.get(name)
        t = getattr(decl, "type", None)
        out[name] = code_text(t.fmt, value) if isinstance(t, FloatT) else f"{value} ({value:#x})"
    return out


@dataclass
class PropertyResult:
    name: str
    kind: str
    status: str
    seconds: float
    solver: str
    cases: list[CaseResult] = field(default_factory=list)
    line: int = 0

    @property
    def counterexample(self) -> CaseResult | None:
        return next((c for c in self.cases if c.status == "REFUTED"), None)

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "status": self.status,
                "seconds": round(self.seconds, 4), "solver": self.solver, "line": self.line,
                "cases": [c.to_json() for c in self.cases]}


def combine(name: str, kind: str, line: int, cases: list[CaseResult]) -> PropertyResult:
    """A property is PROVED iff every non-vacuous case is; REFUTED if any case is."""
    statuses = [c.status for c in cases]
    if "REFUTED" in statuses:
        status = "REFUTED"
    elif "ERROR" in statuses:
        status = "ERROR"
    elif "INTERRUPTED" in statuses:
        status = "INTERRUPTED"
    elif "UNKNOWN" in statuses:
        status = "UNKNOWN"
    elif all(s == "VACUOUS" for s in statuses):
        status = "VACUOUS"
    else:
        status = "PROVED"
    solvers = sorted({c.solver for c in cases if c.solver})
    return PropertyResult(name, kind, status, sum(c.seconds for c in cases), "+".join(solvers), cases, line)
