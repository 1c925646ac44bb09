"""Domain errors. The library raises these; the CLI maps them to exit code 1."""


class InsolegenError(Exception):
    """Base of every error insolegen raises on purpose."""


class InvalidInput(InsolegenError):
    """An input (foot file, size, prescription, option) is wrong; the message says which and why."""


class DesignFailed(InsolegenError):
    """The inputs were valid but the device cannot be made (a mesh check failed, a feature
    does not fit); the message names the check or the feature."""
