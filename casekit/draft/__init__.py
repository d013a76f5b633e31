"""Case -> Draft: the drafter (this case's evidence, retrieval, the differential, a plan, prose
by the local model when it earns its place), the Draft, and the living case (what changed
since the previous draft)."""
from .drafter import Drafter, redacted_case
from .living import changes, draft_next_question, previous_draft, read_draft
from .model import Draft

__all__ = ["Draft", "Drafter", "changes", "draft_next_question", "previous_draft", "read_draft", "redacted_case"]
