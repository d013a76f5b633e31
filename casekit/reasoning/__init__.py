"""The differential, deterministic and model-free: hypotheses judged by this case's evidence,
findings, what to ask, and a plan for this customer. Reads no files and no models."""
from .findings import findings
from .hypotheses import hypotheses
from .model import Hypothesis, Source
from .plan import mitigation, plan
from .questions import missing_information, next_question

__all__ = ["Hypothesis", "Source", "findings", "hypotheses", "missing_information", "mitigation", "next_question", "plan"]
