"""Exception types whose messages are safe to show users, in the CLI and in Slack.

Every message is one line that says what failed and why; no stack traces, no tokens, no HTML.
"""


class BriefbotError(Exception):
    """Base class: `str(err)` is a one-line reason fit for a user."""


class FetchError(BriefbotError):
    """The article could not be fetched (network, HTTP status, size, type, redirects)."""


class BlockedAddressError(FetchError):
    """The URL resolves to an address the fetcher refuses (loopback, private, link-local, ...)."""


class ExtractionError(BriefbotError):
    """No article text could be extracted from what was fetched."""


class InputError(BriefbotError):
    """Bad input from the user: an unreadable file, an empty text, a malformed id or option."""


class NotFoundError(BriefbotError):
    """A brief, storyline or other record that does not exist."""


class ConfigError(BriefbotError):
    """Settings that are missing or invalid."""


class BackendError(BriefbotError):
    """A backend could not write a brief or answer (the caller falls back to the embedded one)."""


class Unavailable(Exception):
    """A service briefbot needs (Slack, the network) can't take the work right now; later may succeed.

    Not a `BriefbotError`: that is a final answer about the input. The worker pool keeps a job that
    raises this waiting with backoff instead of failing it."""
