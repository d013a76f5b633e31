"""This case's own lines, read before any past case: signs (the error lines), evidence (every
line that bears on the assessment, and facts computed across lines) and the timeline."""
from .lines import classify, extract, from_log, reported
from .model import Evidence
from .signs import Sign
from .timeline import Timeline, is_is_not, reported_start, timeline

__all__ = ["Evidence", "Sign", "Timeline", "classify", "extract", "from_log", "is_is_not", "reported", "reported_start",
           "timeline"]
