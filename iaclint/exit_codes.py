"""Exit codes; documented in README.md ("Exit codes") and stable across releases."""

OK = 0  # no finding at or above the fail level
FINDINGS = 1  # at least one finding at or above the fail level
USAGE = 2  # a usage error, a bad rule file or config,
UNREADABLE = 2  # or a file that could not be read or analysed (this wins over 1)
INTERNAL = 3  # a crash in iaclint itself
INTERRUPTED = 130
