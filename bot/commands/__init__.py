"""Sub-commands of ``python -m bot``; each module is one command group."""
