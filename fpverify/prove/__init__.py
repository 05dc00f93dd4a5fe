"""Equivalence proofs of RTL netlists against the symbolic reference (`api.prove_equivalence`)."""

from .api import Counterexample, PortMap, ProofResult, SymbolicInputs, prove_equivalence
from .obligation import Obligation

__all__ = ["prove_equivalence", "PortMap", "ProofResult", "Counterexample", "SymbolicInputs", "Obligation"]
