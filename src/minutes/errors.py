"""One exception tree for minutes.

Every message names the input that caused it and says what to do next; the CLI prints
``str(error)`` and nothing else, so no user ever sees a traceback for bad input.
"""

from __future__ import annotations


class MinutesError(Exception):
    """Base class for every error minutes raises on purpose."""

    exit_code = 1


class InputError(MinutesError):
    """The input (a file, a stream, an upload) cannot be used."""

    exit_code = 2


class AudioDecodeError(InputError):
    """The input exists but is not decodable audio (corrupt, truncated, not media)."""


class EmptyAudioError(InputError):
    """The input decodes but holds no samples (zero-length audio)."""


class OptionsError(MinutesError):
    """An option has a value that cannot work (unknown language, 0 speakers, ...)."""

    exit_code = 2


class NotFoundError(MinutesError):
    """A meeting, line or speaker that does not exist (or is not the caller's)."""

    exit_code = 2  # on the command line, a name the user gave that is not there


class ModelNotFoundError(MinutesError):
    """A model name or path could not be resolved to files on this machine."""

    exit_code = 3


class ModelIntegrityError(ModelNotFoundError):
    """A model's files exist but fail their checksum (partial copy, corrupt package)."""


class OutputError(MinutesError):
    """Results could not be written where the user asked."""

    exit_code = 4


class StorageError(MinutesError):
    """The database or media store failed."""


class JobError(MinutesError):
    """A queued job failed or was cancelled."""


class LLMOutputError(MinutesError):
    """A language model returned output that does not validate, even after retries."""
