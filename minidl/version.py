"""minidl's version, in a module of its own so that any module can import it without importing
the whole package (which imports those modules back)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
