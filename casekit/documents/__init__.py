"""Documents from a draft, in the case's language: the assessment, the work log, the STAR
escalation, the customer reply (casekit.documents.render), and writing them (write)."""
from .render import render_all, render_assessment, render_escalation, render_reply, render_worklog
from .write import write_draft

__all__ = ["render_all", "render_assessment", "render_escalation", "render_reply", "render_worklog", "write_draft"]
