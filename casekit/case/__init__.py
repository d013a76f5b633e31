"""The case: its model, reading and writing case files, and appending to its log."""
from .log import append_log, check_log_args, new_log_entry
from .model import (CASE_SUFFIXES, INDUSTRIES, LAYERS, LOG_KINDS, LOG_SECTION, SECTIONS, SEVERITIES, SIDES, Case, LogEntry,
                    LogSyntaxError)
from .read import case_from_dict, decode, load_cases, parse_markdown, parse_path, parse_text, write_case

__all__ = ["CASE_SUFFIXES", "INDUSTRIES", "LAYERS", "LOG_KINDS", "LOG_SECTION", "SECTIONS", "SEVERITIES", "SIDES", "Case",
           "LogEntry", "LogSyntaxError", "append_log", "case_from_dict", "check_log_args", "decode", "load_cases",
           "new_log_entry", "parse_markdown", "parse_path", "parse_text", "write_case"]
