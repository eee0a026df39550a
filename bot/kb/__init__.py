"""The knowledge base: entries grouped in topics, loaded from a folder of YAML files."""

from bot.kb.loader import KnowledgeBaseError, load_knowledge_base, validate_directory
from bot.kb.model import Entry, KnowledgeBase, Link, Topic

__all__ = [
    "Entry",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Link",
    "Topic",
    "load_knowledge_base",
    "validate_directory",
]
