"""This case's own lines, read before any past case: the structure of a paste, signs (the
error lines), evidence (every line that bears on the assessment, and facts computed across
lines), what the customer says, and the timeline."""
from .lines import classify, extract, from_log, read_line
from .model import Evidence
from .said import deadline, impact, reported, reported_start
from .signs import Sign
from .timeline import Timeline, is_is_not, timeline

__all__ = ["Evidence", "Sign", "Timeline", "classify", "deadline", "extract", "from_log", "impact", "is_is_not",
           "read_line", "reported", "reported_start", "timeline"]
