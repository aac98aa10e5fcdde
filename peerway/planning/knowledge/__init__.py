"""Factor → strategy knowledge base (framework-free; see ``kb.py`` and docs/knowledge-base.md)."""

from .kb import (
    ChecklistItem,
    Factor,
    Indicator,
    KnowledgeBase,
    KnowledgeBaseError,
    Link,
    LocalizedText,
    Problem,
    Reference,
    SearchHit,
    Strategy,
    format_citation,
    load_knowledge_base,
    pibc_items,
)

__all__ = [
    "ChecklistItem",
    "Factor",
    "Indicator",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Link",
    "LocalizedText",
    "Problem",
    "Reference",
    "SearchHit",
    "Strategy",
    "format_citation",
    "load_knowledge_base",
    "pibc_items",
]
