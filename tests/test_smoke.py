from her2path.kb import KnowledgeBase


def test_kb_has_version(kb: KnowledgeBase) -> None:
    assert kb.version.startswith(kb.meta.version + "+")
