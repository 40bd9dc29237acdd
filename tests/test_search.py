"""kzct.search: the folding that makes spellings meet, and the ranking (issue 17)."""

from __future__ import annotations

from kzct.search import Name, fold, rank


def test_fold_brings_romanizations_together():
    assert fold("Hizb-ut-Takhrir") == fold("Hizb ut-Tahrir") == "hizb ut tahrir"
    assert fold("Хизб ут-Тахрир") == fold("Hizb ut-Tahrir")
    assert fold("Tablighi") == fold("Tabligi")
    assert fold("Dzhamaat") == fold("Jamaat")


def names(*entries):
    return [Name(e, n, k, None, "Organization") for e, n, k in entries]


def test_rank_puts_exact_names_first_and_each_entity_once():
    found = rank("JCMA", names(("kz:a", "JCMA", "variant"), ("kz:b", "JCMA members", "preferred"),
                               ("kz:a", "Jamaat of Central Asian Mujahedins", "preferred")))
    assert [m.name.entity for m in found] == ["kz:a", "kz:b"]
    assert found[0].exact and found[0].name.name == "JCMA"


def test_rank_forgives_a_typo_and_drops_what_is_unlike():
    found = rank("Akromia", names(("kz:akromiya", "Akromiya", "preferred"), ("kz:x", "Uzbekistan", "preferred")))
    assert [m.name.entity for m in found] == ["kz:akromiya"] and found[0].score > 85
    assert rank("   ", names(("kz:a", "A", "preferred"))) == []
